-- object: company, table: w_ab12_company
-- filter: {"name":{"eq":"Acme"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "w_ab12_company" WHERE +"deletedAt" IS NULL AND "name" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "Acme"
-- count
SELECT COUNT(*) AS "totalCount" FROM "w_ab12_company" WHERE +"deletedAt" IS NULL AND "name" = ?
-- args
1: string "Acme"
