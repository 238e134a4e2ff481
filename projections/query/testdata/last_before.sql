-- object: company, table: company
-- filter: 
-- orderBy: 
-- select (limit 5, reverse true)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND ((+"position" < ? OR +"position" IS NULL) OR ("position" = ? AND +"id" < ?)) ORDER BY "position" DESC, "id" DESC LIMIT 6
-- args
1: int64 3
2: int64 3
3: string "c03"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
