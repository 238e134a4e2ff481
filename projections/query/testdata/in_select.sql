-- object: company, table: company
-- filter: {"stage":{"in":["NEW","MEETING"]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "stage" IN (?, ?) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "NEW"
2: string "MEETING"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "stage" IN (?, ?)
-- args
1: string "NEW"
2: string "MEETING"
