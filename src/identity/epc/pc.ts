/** The Gen2 Protocol Control word a reader writes in front of an EPC of the given length (TDS §15.1.4). */
export function gen2PcWord(epcBits: number): string {
  const words = Math.ceil(epcBits / 16);
  return ((words & 0x1f) << 11).toString(16).toUpperCase().padStart(4, '0');
}
