-- object: company, table: company
-- filter: {"name":{"like":"%Ac_e\\%*%"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "name" GLOB ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "*Ac?e%[*]*"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "name" GLOB ?
-- args
1: string "*Ac?e%[*]*"
