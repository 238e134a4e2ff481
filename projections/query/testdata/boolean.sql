-- object: company, table: company
-- filter: {"idealCustomerProfile":{"eq":true}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "idealCustomerProfile" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: int64 1
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "idealCustomerProfile" = ?
-- args
1: int64 1
