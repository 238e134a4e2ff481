-- object: company, table: company
-- filter: 
-- orderBy: [{"annualRecurringRevenue":{"amountMicros":"DescNullsLast"}}]
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL ORDER BY "annualRecurringRevenueAmountMicros" DESC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
