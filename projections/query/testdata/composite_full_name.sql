-- object: person, table: person
-- filter: {"name":{"firstName":{"ilike":"%a%"}}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "person" WHERE +"deletedAt" IS NULL AND "nameFirstName" LIKE ? ESCAPE '\' ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "%a%"
-- count
SELECT COUNT(*) AS "totalCount" FROM "person" WHERE +"deletedAt" IS NULL AND "nameFirstName" LIKE ? ESCAPE '\'
-- args
1: string "%a%"
