/** Version of the wire protocol; Python must answer the handshake with the same number. */
export const PROTOCOL_VERSION = 1;
