-- object: company, table: company
-- filter: {"name":{"eq":"Acme"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "name" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "Acme"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "name" = ?
-- args
1: string "Acme"
