-- object: company, table: company
-- filter: {"tags":{"isEmptyArray":true},"aliases":{"isEmptyArray":false}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND json_array_length("aliases") > 0 AND ("tags" IS NULL OR json_array_length("tags") = 0) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND json_array_length("aliases") > 0 AND ("tags" IS NULL OR json_array_length("tags") = 0)
-- args
(none)
