/** The numbers from `from` to `to`, as long as `from` is, zeros kept. */
export const numbersOf = (from: string, to: string) => {
  const list: string[] = [];
  for (let n = BigInt(from); n <= BigInt(to); n += 1n) list.push(n.toString().padStart(from.length, '0'));
  return list;
};
