let epoch = 0;

/** A fresh work-request id for one test, so late completions of an earlier test are told apart. */
export function nextEpoch(): number {
  epoch = (epoch + 1) % 0x7fff_ffff;
  return epoch + 1;
}
