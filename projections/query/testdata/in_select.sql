-- object: company, table: company
-- filter: {"stage":{"in":["NEW","MEETING"]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "stage" IN (SELECT "value" FROM json_each(?)) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "[\"NEW\",\"MEETING\"]"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "stage" IN (SELECT "value" FROM json_each(?))
-- args
1: string "[\"NEW\",\"MEETING\"]"
