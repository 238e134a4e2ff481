-- object: company, table: company
-- filter: {"name":{"is":"NULL"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND ("name" IS NULL OR "name" = '') ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND ("name" IS NULL OR "name" = '')
-- args
(none)
