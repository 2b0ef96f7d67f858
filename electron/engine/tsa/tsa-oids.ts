/** Object identifiers the time-stamp layer reads, each with the document that defines it. */
export const OID = {
  /** RFC 5652 §5.1: id-signedData. */
  signedData: '1.2.840.113549.1.7.2',
  /** RFC 3161 §2.4.2: id-ct-TSTInfo, the eContentType of a time-stamp token. */
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  /** RFC 5652 §11.1 and §11.2: content-type and message-digest signed attributes. */
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  /** RFC 2634 §5.4: ESS signing-certificate (v1, SHA-1 ESSCertID). */
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  /** RFC 5035 §3 / RFC 5816 §2.2.1: ESS signing-certificate-v2 (ESSCertIDv2 with a hash algorithm). */
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** RFC 5280 §4.2.1.12: id-kp-timeStamping and anyExtendedKeyUsage. */
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  anyExtendedKeyUsage: '2.5.29.37.0',
  /** RFC 5280 §4.2.1: certificate extensions we read. */
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  extKeyUsage: '2.5.29.37',
  /** RFC 8017 A.2 and RFC 5758 §3.2 / RFC 8410 §3: signature algorithms. */
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
} as const;
