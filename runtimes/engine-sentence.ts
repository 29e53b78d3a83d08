// The engine's own sentence from its output (pull, push, save, load, tag): the last line that
// complains, without podman's "Error: " prefix or its logrus dressing.
const COMPLAINT = /error|denied|unauthorized|refused|no such|not found|unknown|x509|tls|timeout/i;

export function engineSentence(lines: string[]): string | undefined {
  const complaint = lines
    .map((l) => l.trim())
    .filter((l) => COMPLAINT.test(l))
    .pop();
  return complaint
    ?.replace(/^(Error|error|ERRO\[\d+\])(: |\s+)/, '')
    .replace(/^time="[^"]*" level=\w+ msg="(.*)"$/, '$1');
}
