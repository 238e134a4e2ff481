-- object: company, table: company
-- filter: 
-- orderBy: [{"id":"DescNullsFirst"}]
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL ORDER BY "id" DESC NULLS FIRST LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
