package config

// loadBackoffice reads the back office's settings (issue 14).
func (c *Config) loadBackoffice(str func(flagName, def string) string) {
	c.AuditAnchorFile = str("audit-anchor-file", "")
	c.AuditAnchorURL = str("audit-anchor-url", "")
	c.RiskFile = str("risk-file", "")
}
