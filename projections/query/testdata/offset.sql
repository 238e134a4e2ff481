-- object: company, table: company
-- filter: 
-- orderBy: 
-- select (limit 20, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL ORDER BY "position" ASC, "id" ASC LIMIT 21 OFFSET 40
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
