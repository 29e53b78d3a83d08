// An image reference's name and tag: the tag follows the last colon after the last slash (a
// registry's port comes before a slash); a reference without one means `latest`.
export function splitRef(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/')
    ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) }
    : { repo: ref, tag: 'latest' };
}
