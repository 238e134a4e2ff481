-- object: company, table: company
-- filter: 
-- orderBy: 
-- select (limit 10, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND (+"position" IS NOT NULL OR ("position" IS NULL AND +"id" > ?)) ORDER BY "position" ASC, "id" ASC LIMIT 11
-- args
1: string "c04"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
