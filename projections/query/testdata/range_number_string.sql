-- object: company, table: company
-- filter: {"employees":{"gte":"5","lt":100}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "employees" >= ? AND "employees" < ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: int64 5
2: float64 100
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "employees" >= ? AND "employees" < ?
-- args
1: int64 5
2: float64 100
