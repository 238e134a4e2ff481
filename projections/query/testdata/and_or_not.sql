-- object: company, table: company
-- filter: {"and":[{"or":[{"name":{"eq":"A"}},{"name":{"eq":"B"}}]},{"not":{"employees":{"lt":3}}}],"stage":{"eq":"NEW"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND ("name" = ? OR "name" = ?) AND NOT ("employees" < ?) AND "stage" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "A"
2: string "B"
3: float64 3
4: string "NEW"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND ("name" = ? OR "name" = ?) AND NOT ("employees" < ?) AND "stage" = ?
-- args
1: string "A"
2: string "B"
3: float64 3
4: string "NEW"
