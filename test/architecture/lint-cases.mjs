// Lints pieces of code as if they stood at project paths, with the project's own lint
// configuration loaded once (a child process: jest cannot load the ES-module configuration).
// stdin: [{ filePath, code }]; stdout: for each, the messages of the module-boundaries rule.
import { ESLint } from 'eslint';

const input = await new Promise((resolve) => {
  let text = '';
  process.stdin
    .setEncoding('utf8')
    .on('data', (chunk) => (text += chunk))
    .on('end', () => resolve(text));
});
const eslint = new ESLint({ cwd: process.cwd() });
const answers = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  answers.push(result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
}
process.stdout.write(JSON.stringify(answers));
