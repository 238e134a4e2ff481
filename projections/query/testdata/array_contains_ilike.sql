-- object: company, table: company
-- filter: {"aliases":{"containsIlike":"%acme%"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."aliases") AS "je" WHERE "je"."value" LIKE ? ESCAPE '\') ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "%acme%"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."aliases") AS "je" WHERE "je"."value" LIKE ? ESCAPE '\')
-- args
1: string "%acme%"
