-- object: company, table: company
-- filter: {"properties":{"like":"%gold%"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "properties" GLOB ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "*gold*"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "properties" GLOB ?
-- args
1: string "*gold*"
