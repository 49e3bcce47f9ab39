/**
 * The admin UI's Content Security Policy, the same wherever it is served: the loopback admin
 * listener's responses and the desktop app's app:// protocol.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine sets style attributes at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
