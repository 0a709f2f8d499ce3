# Postern source interface, the two guides: "Staying safe" and "Sending a very large archive".
# English, the source text. Every id here must also exist in every other locale (a test checks it).
# Short sentences for a frightened reader. Tor Browser terms as Tor Browser names them.

landing-safety-more = Read more about staying safe
home-large-more = How to send a very large archive

## Staying safe

safety-title = Staying safe
safety-intro = Read this before you send anything. It takes a few minutes.
safety-promise-heading = What we can promise, and what we cannot
safety-promise-1 = This site keeps no record of who visits it. It stores what you send only in encrypted form, and only the newsroom can open it.
safety-promise-2 = We cannot promise that nobody will ever find out who you are. People are most often found through what happened before they sent anything: who had the files, who copied them, who they told.
safety-promise-3 = The advice below lowers that risk. It cannot remove it.
safety-bridges-heading = If Tor is blocked where you are
safety-bridges-1 = Tor is blocked or slowed down in some countries, among them Russia, Belarus, Iran and China. A bridge helps you connect anyway.
safety-bridges-2 = In Tor Browser, open Settings, then Connection, then Bridges. Choose a built-in bridge: try obfs4 first, then Snowflake.
safety-bridges-3 = If that does not connect, ask for a bridge: write to @GetBridgesBot on Telegram, or send an email to bridges@torproject.org from a Gmail or Riseup address. Add the bridge you receive under Bridges.
safety-bridges-4 = In some places, using Tor can itself draw attention. If that is a danger for you, connect from a place and a network that are not linked to you.
safety-metadata-heading = Hidden details in files
safety-metadata-1 = Files carry details you do not see, called metadata. Photos and videos can hold the place, the time and the device. Documents can hold the author’s name, the organisation and earlier versions.
safety-metadata-2 = File names reach the newsroom as they are. Rename your files before you send them if the names say too much.
safety-metadata-3 = To remove metadata, use a tool made for it, such as mat2, which comes with the Tails system. A screenshot keeps almost nothing of the original file, but check that it shows nothing else from your screen.
safety-metadata-4 = Printed pages can carry tiny yellow dots that identify the printer. Do not print and scan documents.
safety-metadata-5 = If you cannot remove the metadata, say so in your message. The journalists check every file before anything is published.
safety-logged-heading = Where the copying itself may be recorded
safety-logged-1 = The place the files came from may record who opened, downloaded, printed or copied them, and when. Work networks, document systems, email, cloud storage and USB ports often keep such records.
safety-logged-2 = Think about who else could have had the same files. If very few people had them, tell us. The newsroom will think about it before it publishes.
safety-logged-3 = Do not send from a work computer, a work phone or a work network.
safety-knows-heading = What the newsroom will know, and what it will not
safety-knows-yes = The newsroom will see what you send: the files and their names, your messages, and the day you sent them.
safety-knows-no = The newsroom will not see your IP address, your name, where you are or the exact time, unless you or your files tell it.
safety-knows-codename = Your codename is not stored anywhere. Keep it safe: it is the only way to read replies.
safety-after-heading = After you send
safety-after-1 = Use Tor Browser’s “New Identity” when you are done, and do not tell anyone that you sent something.
safety-after-2 = Behave as usual. Do not search for the story from a work computer.

## Sending a very large archive

large-title = Sending a very large archive
large-intro = Over Tor, a big archive takes hours. The connection will drop, and that is normal. There are two ways to send it.
large-table-caption = How long sending takes, roughly
large-col-size = Size
large-speed = { $n } MB/s
large-col-speed = At { $speed }
large-minutes =
    { $n ->
        [one] 1 minute
       *[other] { $n } minutes
    }
large-hours =
    { $n ->
        [one] about 1 hour
       *[other] about { $n } hours
    }
large-table-note = Tor usually gives between 1 and 5 MB/s. These times are estimates.
large-send-heading = The simplest way: postern-send
large-send-intro = postern-send is a small program. It sends in pieces, each over a fresh Tor circuit. After a dropped connection or a restart it continues where it stopped.
large-send-step-1 = Get a codename on this site first, and write it down.
large-send-step-2 = Keep Tor Browser open while you send.
large-send-step-3 = Get postern-send and this site’s .onion address as the newsroom’s guide explains.
large-send-step-4 = Run this command, with the site’s address and your file. Type your codename when it asks; nothing is shown while you type.
large-send-step-5 = If it stops, run the same command again. It continues where it stopped.
large-split-heading = Without a program: split the archive
large-split-text = With Tor Browser at the “Safest” level, split the archive into parts no larger than the limit shown after you log in. Send the parts one by one, with the same codename. A dropped connection then costs only one part.
large-rename = The file name reaches the newsroom. Rename files first if their names say too much.
