-- object: company, table: company
-- filter: {"annualRecurringRevenue":{"amountMicros":{"gt":0},"currencyCode":{"eq":"USD"}}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "annualRecurringRevenueAmountMicros" > ? AND "annualRecurringRevenueCurrencyCode" = ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: float64 0
2: string "USD"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "annualRecurringRevenueAmountMicros" > ? AND "annualRecurringRevenueCurrencyCode" = ?
-- args
1: float64 0
2: string "USD"
