-- object: company, table: company
-- filter: {"foundedAt":{"gt":"2020-01-01T01:00:00+01:00"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "foundedAt" > ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "2020-01-01T00:00:00.000Z"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "foundedAt" > ?
-- args
1: string "2020-01-01T00:00:00.000Z"
