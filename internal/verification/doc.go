// Package verification holds the pure rules of real-name verification (KYC):
// the statuses of a case and the transitions between them, the configurable
// levels and what each needs for each ID type (and for minors and
// foreigners), the validation of the applicant's typed data, the one
// registry of reason codes with their customer messages, the cross-check of
// typed data against a document's reading, the decision engine that turns
// check results into an outcome, the attempt limit and the signature of
// webhook deliveries.
//
// Nothing here does I/O: the store, the job pipeline and the HTTP API call
// these functions with data they loaded and persist what they return. Time
// is always a parameter; ages and expiry are computed on the calendar date of
// that time in its own location, so pass the submission time in the
// customers' zone (UTC+8 for mainland customers) to get birthdays right at
// midnight. Personal data passes through but is never logged.
//
// Sensitive reasons (duplicate identity, sanctions, fraud signals) and our
// own failures are never shown to a customer: CustomerView replaces them
// with a neutral "being reviewed" reason, and Decide sends such cases to a
// reviewer.
package verification
