-- object: company, table: company
-- filter: {"name":{"ilike":"%acme%"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "name" LIKE ? ESCAPE '\' ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "%acme%"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "name" LIKE ? ESCAPE '\'
-- args
1: string "%acme%"
