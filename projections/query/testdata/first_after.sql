-- object: company, table: company
-- filter: 
-- orderBy: 
-- select (limit 10, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "position" >= ? AND (+"position" > ? OR ("position" = ? AND +"id" > ?)) ORDER BY "position" ASC, "id" ASC LIMIT 11
-- args
1: int64 3
2: int64 3
3: int64 3
4: string "c03"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
