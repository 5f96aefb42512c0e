// The `g` window: the one-time link that links the operator's Telegram chat to the bot (15
// minutes). The link is shown whole, wrapped, so it can be copied or typed on the phone.
import { Box, Text } from '../theme.js';
import { useStore, useStores } from '../context/stores.js';
import { WindowTitle } from './WindowTitle.js';

export function TelegramOverlay({ width, height }: { width: number; height: number }) {
  const link = useStore(useStores().connection).telegramLink;
  const until = link ? new Date(link.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" paddingX={1} overflow="hidden">
      <WindowTitle width={width - 4} name="Link Telegram" short="Telegram" inView={null} close="Esc or Enter closes" />
      {link ? (
        <>
          <Text> </Text>
          <Text wrap="wrap">Open this link on the phone with Telegram:</Text>
          <Text color="cyan" wrap="wrap">
            {link.url}
          </Text>
          <Text> </Text>
          <Text wrap="wrap">
            or send <Text color="cyan">/start {link.code}</Text> to @{link.bot}. The link works once, until {until}.
          </Text>
          <Text> </Text>
          <Text wrap="wrap" dimColor>
            Visitor messages of your My messages then arrive in that chat; reply to one to answer. /help in the chat lists the commands.
          </Text>
        </>
      ) : (
        <Text>asking the server…</Text>
      )}
    </Box>
  );
}
