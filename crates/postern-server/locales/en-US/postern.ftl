# Postern source interface: English.
#
# Readers may be frightened and in a hurry: plain words, short sentences, a calm tone.
# Every id here must also exist in every other locale (a test checks it).
# Arguments are plain text; the page escapes them. Sizes and counts arrive already formatted
# (for example "500 MB", "100,000"), with a number beside them when a plural form depends on it.

## Layout, on every page

skip-to-content = Skip to content
nav-language = Language
footer-nojs = no JavaScript needed
link-start = Back to the start page
logout-button = Log out

## Sizes ($n is an already formatted number)

size-mb = { $n } MB
size-gb = { $n } GB

## Dates in prose ($year, $month 1–12, $day are numbers)

date =
    { $day } { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $year }

## Landing page

landing-title = Send documents securely
landing-heading = Send documents and messages safely
landing-intro = This is a secure way to send documents and messages to journalists at { $org }.
landing-anonymous = This site is built so that we do not learn who you are. No website can promise that on its own: it also depends on how you send. The advice below lowers the risk.
landing-safety-heading = How to stay safe
landing-safety-tor = Use Tor Browser, and set its security level to “Safest”: click the shield icon next to the address bar, or go to Settings, then Privacy & Security.
landing-safety-safest = “Safest” turns off JavaScript, which most attacks on Tor Browser need. This site works fully without it.
landing-safety-bridges = If Tor is blocked where you are, use a bridge: in Tor Browser, open Settings, then Connection, then Bridges.
landing-safety-device = Use a computer and a network that are not linked to you. Never use a work computer or a work network.
landing-safety-silence = Do not tell anyone that you are sending something.
landing-safety-metadata = Files can carry hidden details (metadata), such as an author’s name, a device or a place, that point to you. Remove them if you can.
landing-safety-logged = The place the files come from may record who opened, printed or copied them. Think about who else could have had them.
landing-start-heading = Get started
landing-first-visit = First time here? You will get a codename: seven random words that let you come back later, send more and read replies.
landing-get-codename = Get a codename
landing-have-codename = I already have a codename

## Codename page, shown once after "Get a codename"

codename-title = Your codename
codename-intro = This is your codename. It is shown only this once.
codename-advice-heading = Keep it safe
codename-write = Write it down on paper, or learn it by heart.
codename-secret = Keep it secret. Do not show it to anyone.
codename-device = Never save it on a phone, a computer or an account that is linked to you.
codename-replies = It is the only way to log in again and read replies from the journalists.
codename-lost = We do not keep a copy, so it cannot be recovered if you lose it.
codename-latin = These are English words. Type them in Latin letters (a to z), with your keyboard set to a Latin layout.
codename-continue-hint = Before you continue, make sure you have written it down.
codename-continue = Continue to submit

## Codename page reloaded: it is shown only once

codename-expired-title = Page expired
codename-expired-heading = This page has expired
codename-expired-text = A codename is shown only once, so reloading the page cannot show it again.
codename-expired-next = If you wrote it down, log in with it. If not, get a new codename.
codename-expired-link = Get a new codename

## Login page

login-title = Log in
login-intro = Enter the codename you were given on your first visit.
login-codename-label = Codename
login-codename-hint = Seven words with spaces between them. What you type stays hidden, so nobody can read it over your shoulder.
login-submit = Log in
login-no-codename = No codename yet? Get one on the start page.
login-error-empty = Please enter your codename.
login-error-too-long = This is too long to be a codename. Please check it and try again.
login-error-word-count = A codename has exactly seven words. Please check it and try again.
login-error-keyboard = Your codename was typed in non-Latin letters. Switch your keyboard to the Latin layout and type it again.
login-error-unknown-word = One of the words is not a codename word. Please check the spelling and try again.

## Home page, once logged in

home-title = Send and read replies
home-heading = Send documents or a message
home-welcome = Nothing has been sent with this codename yet. Welcome: the codename is new, and you can send documents or a message here, now.
home-unknown = Nothing has been sent with this codename yet. If you did send something before, check your codename for typos and log in again.
home-encrypted = Everything you send is encrypted for the journalists as soon as it arrives.
home-message-label = Message
home-files-label = Files
home-files-hint = You can choose several files at once.
# $file and $request are sizes such as "500 MB"; $chars is a formatted number, $chars_n the same number.
home-limits =
    Each file can be up to { $file }, and everything sent at once up to { $request }. A message can be up to { $chars } { $chars_n ->
        [one] character
       *[other] characters
    }.
home-split = A bigger archive can be split into parts (for example as 7-Zip volumes) and each part sent separately.
home-large = For a very large archive (many gigabytes), use the command-line tool postern-send instead: it sends over Tor in pieces, each over a fresh circuit, and when the connection drops it continues where it stopped, even after a restart. It asks for your codename and this site's .onion address; the newsroom's guide explains how to get it. With Tor Browser at the “Safest” level, split the archive into parts of at most the size above (for example: 7z a -v1g parts.7z FOLDER) and send the parts here one by one.
home-wait = Uploads over Tor can take a long time. Keep this page open until you see the confirmation.
home-submit = Encrypt and send
notice-nothing-sent = Nothing was sent: write a message or choose at least one file.
home-replies-heading = Replies
home-replies-none = No replies yet.
# $day is the day the reply was written, already formatted.
home-reply-day = Reply from { $day }
home-replies-locked = You have replies, but this session has been idle too long to open them. Log out and log in again with your codename to read them.
home-replies-deletion = Deleting a reply removes it from this server. The journalists keep their own copy on their offline computer.
home-reply-delete = Delete this reply
home-replies-delete-all = Delete all replies
notice-reply-deleted = The reply was deleted.
notice-replies-deleted = All replies were deleted.
notice-reply-gone = That reply was already deleted.
home-logout-hint = When you are done, log out.

## After a submission

submitted-title = Thank you
submitted-heading = Thank you
submitted-files-and-message =
    Your message and { $files } { $files ->
        [one] file
       *[other] files
    } were encrypted and stored.
submitted-files =
    { $files ->
        [one] { $files } file was encrypted and stored.
       *[other] { $files } files were encrypted and stored.
    }
submitted-message = Your message was encrypted and stored.
submitted-nothing = Nothing was sent: the form was empty.
submitted-next-heading = What happens next
submitted-next-check = Journalists check for new submissions regularly. A reply can take a few days.
submitted-next-return = Come back later and log in with your codename to read replies.
submitted-back = Send more, or read replies

## Logged out

logged-out-title = Logged out
logged-out-heading = You are logged out
logged-out-new-identity = Now clear this session from the browser with Tor Browser’s “New Identity”: open the ☰ menu and choose “New Identity”, or press Ctrl+Shift+U.

## Session expired

expired-title = Session ended
expired-heading = Your session has ended
expired-text = For your safety, your session ended after a period of inactivity.
expired-kept = Nothing that you had not submitted was kept.
expired-login = Log in again with your codename

## Errors ($status is the HTTP status code)

error-title = Error { $status }
error-not-found = This page does not exist.
error-bad-request = The request could not be understood. Please go back and try again.
error-csrf = This form has expired, or it came from another site. Please go back, reload the page and try again.
error-too-large = The upload is larger than the limit, so nothing was stored. Split it into smaller parts and send them one at a time.
error-message-kept = Your message was kept: it is in the box below.
error-message-too-long = The message is longer than the limit. Please shorten it, or save it as a file and send that instead.
error-server = Something went wrong on our side. Nothing of your upload was kept. Please try again later.
error-disk-full = The server cannot accept uploads right now. Please try again later.
error-method = This page cannot be used this way. Please go back to the start page.

## Busy (too many logins at once)

busy-title = Busy
busy-heading = Please wait a moment
busy-text = Many people are logging in right now. Please wait a minute and try again.
