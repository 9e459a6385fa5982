"""Portal infrastructure without models: exports, PDFs, signed links, uploads, QR codes,
on-commit enqueueing and the CSP middleware. It imports nothing of the portal's apps."""
