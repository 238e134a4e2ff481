-- object: company, table: company
-- filter: {"not":{"or":[{"employees":{"is":"NULL"}},{"employees":{"lt":10}}]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND NOT ("employees" IS NULL OR "employees" < ?) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: float64 10
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND NOT ("employees" IS NULL OR "employees" < ?)
-- args
1: float64 10
