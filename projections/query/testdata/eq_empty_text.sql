-- object: company, table: company
-- filter: {"name":{"eq":""}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND ("name" = ? OR "name" IS NULL) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string ""
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND ("name" = ? OR "name" IS NULL)
-- args
1: string ""
