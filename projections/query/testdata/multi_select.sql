-- object: company, table: company
-- filter: {"tags":{"containsAny":["A","B"]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."tags") AS "je" WHERE "je"."value" IN (?, ?)) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "A"
2: string "B"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."tags") AS "je" WHERE "je"."value" IN (?, ?))
-- args
1: string "A"
2: string "B"
