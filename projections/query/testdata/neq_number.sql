-- object: company, table: company
-- filter: {"employees":{"neq":10}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "employees" <> ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: float64 10
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "employees" <> ?
-- args
1: float64 10
