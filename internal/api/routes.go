package api

import "net/http"

type route struct {
	method, path string
	auth         bool // needs a logged-in session
	handler      http.Handler
}

// Who may call each route is in the permission table (permissions.go):
// every route needs an entry there.

// routes is every route of the API. openapi.json documents exactly these
// (TestOpenAPIMatchesRoutes keeps the two in step).
func (a *API) routes() []route {
	return []route{
		{"GET", "/api/v1/openapi.json", false, http.HandlerFunc(serveOpenAPI)},
		{"POST", "/api/v1/auth/register", false, http.HandlerFunc(a.register)},
		{"POST", "/api/v1/auth/login", false, http.HandlerFunc(a.login)},
		{"POST", "/api/v1/auth/logout", true, http.HandlerFunc(a.logout)},
		{"GET", "/api/v1/me", true, http.HandlerFunc(a.me)},
		{"GET", "/api/v1/sessions", true, http.HandlerFunc(a.listSessions)},
		{"DELETE", "/api/v1/sessions/{id}", true, http.HandlerFunc(a.revokeSession)},
		// The second factor: the enrolment token of a staff login, or a session.
		{"POST", "/api/v1/me/totp", false, http.HandlerFunc(a.beginTOTP)},
		{"POST", "/api/v1/me/totp/confirm", false, http.HandlerFunc(a.confirmTOTP)},

		// Account life (issue 16): recovery, changes, alerts, closing.
		{"POST", "/api/v1/auth/password/forgot", false, http.HandlerFunc(a.forgotPassword)},
		{"POST", "/api/v1/auth/password/reset", false, http.HandlerFunc(a.resetPassword)},
		{"POST", "/api/v1/me/password", true, http.HandlerFunc(a.changePassword)},
		{"POST", "/api/v1/me/phone", true, http.HandlerFunc(a.changePhone)},
		{"POST", "/api/v1/me/phone/confirm", true, http.HandlerFunc(a.confirmPhoneChange)},
		{"POST", "/api/v1/me/phone/recover", true, http.HandlerFunc(a.recoverPhone)},
		{"GET", "/api/v1/me/security", true, http.HandlerFunc(a.security)},
		{"POST", "/api/v1/me/close", true, http.HandlerFunc(a.closeAccount)},
		{"POST", "/api/v1/me/export", true, http.HandlerFunc(a.requestExport)},
		{"GET", "/api/v1/me/export", true, http.HandlerFunc(a.getExport)},
		{"GET", "/api/v1/me/export/{id}/download", true, http.HandlerFunc(a.downloadExport)},

		// The separate consent to sensitive personal information (PIPL art. 29).
		{"POST", "/api/v1/consents", true, http.HandlerFunc(a.giveConsent)},

		{"POST", "/api/v1/documents", true, http.HandlerFunc(a.createDocument)},
		{"GET", "/api/v1/documents/{id}", true, http.HandlerFunc(a.getDocument)},
		{"GET", "/api/v1/documents/{id}/image", true, http.HandlerFunc(a.getDocumentImage)},
		{"POST", "/api/v1/faces/preview", true, http.HandlerFunc(a.facePreview)},

		{"POST", "/api/v1/verifications", true, http.HandlerFunc(a.createVerification)},
		{"GET", "/api/v1/verifications", true, http.HandlerFunc(a.listVerifications)},
		{"GET", "/api/v1/verifications/{id}", true, http.HandlerFunc(a.getVerification)},
		{"GET", "/api/v1/verifications/{id}/events", true, http.HandlerFunc(a.caseEvents)}, // Server-Sent Events (events.go)
		{"PUT", "/api/v1/verifications/{id}/applicant", true, http.HandlerFunc(a.putApplicant)},
		{"POST", "/api/v1/verifications/{id}/documents", true, http.HandlerFunc(a.attachDocument)},
		{"POST", "/api/v1/verifications/{id}/phone/send", true, http.HandlerFunc(a.sendPhoneCode)},
		{"POST", "/api/v1/verifications/{id}/phone/confirm", true, http.HandlerFunc(a.confirmPhone)},
		{"POST", "/api/v1/verifications/{id}/submit", true, http.HandlerFunc(a.submitVerification)},
		{"GET", "/api/v1/messages", true, http.HandlerFunc(a.messages)},
		{"POST", "/api/v1/handoff", true, http.HandlerFunc(a.handoff)},

		// Support: a case's status and customer-visible reasons.
		{"GET", "/api/v1/support/verifications/{id}", true, http.HandlerFunc(a.supportCase)},
		// Reviewers (role reviewer or admin).
		{"GET", "/api/v1/review/verifications", true, http.HandlerFunc(a.reviewQueue)},
		{"GET", "/api/v1/review/verifications/{id}", true, http.HandlerFunc(a.reviewCase)},
		{"POST", "/api/v1/review/verifications/{id}/decision", true, http.HandlerFunc(a.reviewDecide)},
		{"POST", "/api/v1/review/screening/search", true, http.HandlerFunc(a.screeningSearch)},
		{"GET", "/api/v1/review/screening/hits", true, http.HandlerFunc(a.screeningHits)},
		{"POST", "/api/v1/review/screening/hits/{id}", true, http.HandlerFunc(a.screeningDecide)},
		// The back office (internal/review): queue, claims, the masked case, reveals, risk, wallet actions.
		{"GET", "/api/v1/review/queue", true, http.HandlerFunc(a.queue)},
		{"POST", "/api/v1/review/queue/{id}/claim", true, http.HandlerFunc(a.claim)},
		{"POST", "/api/v1/review/queue/{id}/release", true, http.HandlerFunc(a.release)},
		{"GET", "/api/v1/review/cases/{id}", true, http.HandlerFunc(a.caseView)},
		{"POST", "/api/v1/review/cases/{id}/reveal", true, http.HandlerFunc(a.reveal)},
		{"POST", "/api/v1/review/cases/{id}/report", true, http.HandlerFunc(a.sarDraft)},
		{"GET", "/api/v1/review/customers/{id}/risk", true, http.HandlerFunc(a.customerRisk)},
		{"POST", "/api/v1/review/customers/{id}/wallet", true, http.HandlerFunc(a.walletAction)},

		// Administrators: the audit trail and webhook endpoints.
		{"GET", "/api/v1/admin/audit", true, http.HandlerFunc(a.auditEvents)},
		{"PUT", "/api/v1/admin/users/{id}/role", true, http.HandlerFunc(a.setRole)},
		{"POST", "/api/v1/admin/webhooks", true, http.HandlerFunc(a.createWebhook)},
		{"GET", "/api/v1/admin/webhooks", true, http.HandlerFunc(a.listWebhooks)},
		{"DELETE", "/api/v1/admin/webhooks/{id}", true, http.HandlerFunc(a.deleteWebhook)},
		{"GET", "/api/v1/admin/webhooks/{id}/deliveries", true, http.HandlerFunc(a.webhookDeliveries)},
		{"POST", "/api/v1/admin/webhook-deliveries/{id}/redeliver", true, http.HandlerFunc(a.redeliverWebhook)},

		// The wallet (issue 12): customers, then the admin side.
		{"GET", "/api/v1/wallet/balances", true, http.HandlerFunc(a.walletBalances)},
		{"GET", "/api/v1/wallet/transactions", true, http.HandlerFunc(a.walletTransactions)},
		{"POST", "/api/v1/wallet/transfers", true, http.HandlerFunc(a.walletTransfer)},
		{"POST", "/api/v1/wallet/withdrawals", true, http.HandlerFunc(a.walletWithdraw)},
		{"GET", "/api/v1/wallet/withdrawals", true, http.HandlerFunc(a.walletWithdrawals)},
		{"POST", "/api/v1/admin/wallet/deposits", true, http.HandlerFunc(a.walletDeposit)},
		{"POST", "/api/v1/admin/wallet/withdrawals/{id}/complete", true, http.HandlerFunc(a.walletComplete)},
		{"POST", "/api/v1/admin/wallet/withdrawals/{id}/cancel", true, http.HandlerFunc(a.walletCancel)},
		{"POST", "/api/v1/admin/wallet/transactions/{id}/reverse", true, http.HandlerFunc(a.walletReverse)},
		{"POST", "/api/v1/admin/wallet/users/{id}/freeze", true, a.walletFreeze(true)},
		{"POST", "/api/v1/admin/wallet/users/{id}/unfreeze", true, a.walletFreeze(false)},

		// The wallet's surface: payment password, payees, receive codes,
		// statement CSV, AML alerts (walletsurface.go).
		{"GET", "/api/v1/wallet/payment-password", true, http.HandlerFunc(a.getPaymentPassword)},
		{"PUT", "/api/v1/wallet/payment-password", true, http.HandlerFunc(a.putPaymentPassword)},
		{"GET", "/api/v1/wallet/payees", true, http.HandlerFunc(a.getPayee)},
		{"POST", "/api/v1/wallet/payment-requests", true, http.HandlerFunc(a.createPaymentRequest)},
		{"GET", "/api/v1/wallet/payment-requests/{code}", true, http.HandlerFunc(a.getPaymentRequest)},
		{"GET", "/api/v1/wallet/payment-requests/{code}/qr.png", true, http.HandlerFunc(a.paymentRequestQR)},
		{"POST", "/api/v1/wallet/payment-requests/{code}/pay", true, http.HandlerFunc(a.payPaymentRequest)},
		{"GET", "/api/v1/wallet/statement.csv", true, http.HandlerFunc(a.statementCSV)},
		{"GET", "/api/v1/review/alerts", true, http.HandlerFunc(a.reviewAlerts)},
		// Support tickets (issue 15): customers' own, then the support
		// team's (role support or admin; canned replies edited by admins).
		{"POST", "/api/v1/support/tickets", true, http.HandlerFunc(a.openTicket)},
		{"GET", "/api/v1/support/tickets", true, http.HandlerFunc(a.myTickets)},
		{"GET", "/api/v1/support/tickets/{id}", true, http.HandlerFunc(a.myTicket)},
		{"POST", "/api/v1/support/tickets/{id}/messages", true, http.HandlerFunc(a.replyTicket)},
		{"POST", "/api/v1/support/tickets/{id}/reopen", true, http.HandlerFunc(a.reopenTicket)},
		{"POST", "/api/v1/support/tickets/{id}/rating", true, http.HandlerFunc(a.rateTicket)},
		{"GET", "/api/v1/agent/tickets", true, http.HandlerFunc(a.agentQueue)},
		{"GET", "/api/v1/agent/tickets/{id}", true, http.HandlerFunc(a.agentTicket)},
		{"POST", "/api/v1/agent/tickets/{id}/messages", true, http.HandlerFunc(a.agentReply)},
		{"POST", "/api/v1/agent/tickets/{id}/assign", true, http.HandlerFunc(a.agentAssign)},
		{"POST", "/api/v1/agent/tickets/{id}/status", true, http.HandlerFunc(a.agentStatus)},
		{"POST", "/api/v1/agent/tickets/{id}/grant-documents", true, http.HandlerFunc(a.agentGrant)},
		{"GET", "/api/v1/agent/tickets/{id}/documents/{doc}", true, http.HandlerFunc(a.agentDocument)},
		{"GET", "/api/v1/agent/canned-replies", true, http.HandlerFunc(a.cannedReplies)},
		{"PUT", "/api/v1/admin/canned-replies/{id}", true, http.HandlerFunc(a.saveCannedReply)},

		// Announcements, the status page and the help centre (public), and
		// their administration (admins).
		{"GET", "/api/v1/announcements", false, http.HandlerFunc(a.announcements)},
		{"GET", "/api/v1/announcements/feed.atom", false, http.HandlerFunc(a.announcementFeed)},
		{"POST", "/api/v1/admin/announcements", true, http.HandlerFunc(a.publishAnnouncement)},
		{"POST", "/api/v1/admin/maintenance", true, http.HandlerFunc(a.scheduleMaintenance)},
		{"POST", "/api/v1/admin/maintenance/stop", true, http.HandlerFunc(a.stopMaintenance)},
		{"POST", "/api/v1/admin/incidents", true, http.HandlerFunc(a.openIncident)},
		{"POST", "/api/v1/admin/incidents/{id}/updates", true, http.HandlerFunc(a.updateIncident)},
		{"GET", "/api/v1/status", false, http.HandlerFunc(a.status)},
		{"GET", "/api/v1/help/articles", false, http.HandlerFunc(a.helpArticles)},
		{"GET", "/api/v1/help/articles/{slug}", false, http.HandlerFunc(a.helpArticle)},

		// The tus 1.0 resumable upload protocol (internal/upload).
		{"OPTIONS", "/api/v1/uploads/", false, http.HandlerFunc(a.tus)},
		{"POST", "/api/v1/uploads/", true, http.HandlerFunc(a.tus)},
		{"OPTIONS", "/api/v1/uploads/{id}", false, http.HandlerFunc(a.tus)},
		{"HEAD", "/api/v1/uploads/{id}", true, http.HandlerFunc(a.tus)},
		{"PATCH", "/api/v1/uploads/{id}", true, http.HandlerFunc(a.tus)},
		{"DELETE", "/api/v1/uploads/{id}", true, http.HandlerFunc(a.tus)},
	}
}

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
