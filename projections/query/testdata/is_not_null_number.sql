-- object: company, table: company
-- filter: {"employees":{"is":"NOT_NULL"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "employees" IS NOT NULL ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "employees" IS NOT NULL
-- args
(none)
