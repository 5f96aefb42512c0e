// The parts of Bot API objects the bridge reads (https://core.telegram.org/bots/api).
export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
}

/** A file in a message (document, video, audio, voice, animation; one size of a photo). */
export interface TgFile {
  file_id: string;
  file_unique_id?: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  /** The album a photo or file was sent in: each of its items comes as a message of its own. */
  media_group_id?: string;
  edit_date?: number;
  reply_to_message?: TgMessage;
  document?: TgFile;
  /** The sizes of a photo, smallest first. */
  photo?: TgFile[];
  video?: TgFile;
  /** A round video message. */
  video_note?: TgFile;
  audio?: TgFile;
  voice?: TgFile;
  animation?: TgFile;
  sticker?: TgFile & { emoji?: string; is_animated?: boolean; is_video?: boolean };
  location?: TgLocation;
  venue?: { location: TgLocation; title: string; address: string };
  contact?: { phone_number: string; first_name: string; last_name?: string };
}

export interface TgLocation {
  latitude: number;
  longitude: number;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
}

export interface TgInlineButton {
  text: string;
  callback_data: string;
}
