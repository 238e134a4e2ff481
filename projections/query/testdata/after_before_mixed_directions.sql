-- object: company, table: company
-- filter: 
-- orderBy: [{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]
-- select (limit 3, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "employees" <= ? AND (+"employees" < ? OR ("employees" = ? AND (+"name" > ? OR +"name" IS NULL)) OR ("employees" = ? AND "name" = ? AND +"id" > ?)) AND ((+"employees" > ? OR +"employees" IS NULL) OR ("employees" = ? AND +"name" IS NOT NULL) OR ("employees" = ? AND "name" IS NULL AND +"id" < ?)) ORDER BY "employees" DESC NULLS FIRST, "name" ASC NULLS LAST, "id" ASC LIMIT 4
-- args
1: int64 10
2: int64 10
3: int64 10
4: string "Acme"
5: int64 10
6: string "Acme"
7: string "c01"
8: int64 3
9: int64 3
10: int64 3
11: string "c08"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
