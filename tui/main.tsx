// The operator TUI. For now it shows who is signed in and where; the dialog panes arrive with
// the TUI issue (see README).
import { Box, render, Text, useApp, useInput } from 'ink';
import type { ParleyClient } from '../core/client/api.js';
import type { Me } from '../core/protocol/index.js';

function Welcome({ url, me }: { url: string; me: Me }) {
  const { exit } = useApp();
  useInput((input, key) => {
    if (input === 'q' || key.escape || (key.ctrl && input === 'c')) exit();
  });
  const operatorOf = me.projects.filter((p) => p.operator);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Parley</Text>
      <Text>
        {me.user.firstName} {me.user.lastName} &lt;{me.user.email}&gt; at {url}
      </Text>
      <Text> </Text>
      {operatorOf.length === 0 ? (
        <Text>You are not an operator in any project yet: ask an admin to run "parley team update --operator".</Text>
      ) : (
        operatorOf.map((p) => (
          <Text key={p.id}>
            Operator in {p.name} (project {p.id})
          </Text>
        ))
      )}
      <Text> </Text>
      <Text dimColor>The dialog panes (My messages, Shared, Archive) are not built yet. q quits.</Text>
    </Box>
  );
}

export async function startTui({ client, me }: { client: ParleyClient; me: Me }): Promise<void> {
  const app = render(<Welcome url={client.url} me={me} />);
  await app.waitUntilExit();
  process.exit(0);
}
