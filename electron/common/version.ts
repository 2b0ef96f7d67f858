/** The product version; a test keeps it equal to package.json's. */
export const AEV_VERSION = '0.1.0';
