-- object: company, table: company
-- filter: {"id":{"in":[]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND 0 ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND 0
-- args
(none)
