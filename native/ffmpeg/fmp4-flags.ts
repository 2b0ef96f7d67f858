// Flag bits of the movie fragment boxes, shared by the capture's fragment checks (fmp4-moof.ts) and the
// bundle verifier's packet reader (electron/engine/verify/bundle/fmp4-fragment.ts).

// tfhd flags (ISO/IEC 14496-12 §8.8.7.1)
export const TFHD_BASE_DATA_OFFSET = 0x000001;
export const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
export const TFHD_DEFAULT_DURATION = 0x000008;
export const TFHD_DEFAULT_SIZE = 0x000010;
export const TFHD_DEFAULT_FLAGS = 0x000020;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
// trun flags (§8.8.8.1)
export const TRUN_DATA_OFFSET = 0x000001;
export const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
export const TRUN_SAMPLE_DURATION = 0x000100;
export const TRUN_SAMPLE_SIZE = 0x000200;
export const TRUN_SAMPLE_FLAGS = 0x000400;
export const TRUN_SAMPLE_CTO = 0x000800;
