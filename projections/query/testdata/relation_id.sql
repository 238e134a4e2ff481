-- object: person, table: person
-- filter: {"companyId":{"eq":"c01"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "person" WHERE +"deletedAt" IS NULL AND "companyId" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "c01"
-- count
SELECT COUNT(*) AS "totalCount" FROM "person" WHERE +"deletedAt" IS NULL AND "companyId" = ?
-- args
1: string "c01"
