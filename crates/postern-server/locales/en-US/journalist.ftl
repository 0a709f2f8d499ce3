# Postern journalist interface: English.
#
# Read by newsroom staff at work: plain, exact words. Every id here must also exist in every
# other locale (a test checks it). Arguments are plain text; the page escapes them. Counts are
# numbers (they select plural forms); $day arrives already written as a date.

## Layout, on every page

j-interface = Journalist interface
j-skip = Skip to content
j-org-suffix = journalist interface
j-nav-language = Language
j-logout = Log out { $user }
j-footer = everything here is encrypted to the newsroom’s keys: read it on the air-gapped machine.

## Login

j-login-title = Log in
j-login-username = Username
j-login-passphrase = Passphrase
j-login-code = Two-factor code
j-login-button = Log in
j-login-failed = Login failed. Check your username, passphrase and two-factor code, and try again. After repeated failures, logins to an account are paused for a while.
j-login-again = Log in again
j-logged-out-title = Logged out
j-logged-out-text = You are logged out.
j-session-ended-title = Session ended
j-session-ended-text = Your session ended (after a while without activity, or because your account changed). Log in again.

## The sources list

j-sources-title = Sources
j-sources-summary =
    { $sources ->
        [one] 1 source
       *[other] { $sources } sources
    }, { $new ->
        [one] 1 new item
       *[other] { $new } new items
    } for you.
j-bundle-new = Download a bundle of everything new
j-sources-none = No sources yet.
j-sources-caption = Sources, newest activity first
j-col-source = Source
j-col-new = New
j-col-items = Items
j-col-last = Last active
j-col-star = Star
j-replies-title = Replies
j-replies-label = A reply bundle made by { $command }
j-replies-button = Upload replies

## One source

j-source-summary =
    First seen { $day }; { $items ->
        [one] 1 item
       *[other] { $items } items
    }, { $new } new for you.
j-all-sources = All sources
j-star = Star
j-unstar = Unstar
j-mark-seen = Mark all seen
j-bundle-source = Download a bundle of this source’s items
j-items-caption = Items of this source
j-col-item = Item
j-col-kind = Kind
j-col-size = Size in bytes (padded)
j-col-day = Day
j-col-delete = Delete
j-item-new = (new)
j-item-delete-label = Delete { $item }
j-delete = Delete
j-kind-message = Message
j-kind-file = File
j-kind-reply = Reply
j-kind-segment = Part of an upload
j-kind-manifest = End of an upload
j-delete-source-title = Delete this source
j-delete-source-text = This deletes every item of this source from the server. It cannot be undone.
j-delete-source-confirm = Type the designation, { $designation }, to confirm
j-delete-source-button = Delete source and all its items
j-notice-item-deleted = The item was deleted.
j-notice-not-confirmed = Nothing was deleted: type the designation exactly to confirm.
j-notice-source-deleted = The source and all its items were deleted.

## One upload, one entry; deletions asked first

j-items-caption-entries = Items of this source, newest first (an upload is one item, however many parts it arrived in)
j-col-size-padded = Size (padded)
j-col-state = State
j-kind-upload = Upload
j-state-complete = complete
j-state-in-progress = in progress: { $have } of { $total } ({ $percent } %)
j-state-expired = expired at { $have } of { $total } ({ $percent } %): removed at the next housekeeping
j-state-parts-missing = incomplete: parts of it were deleted
j-state-unindexed = parts of uploads the server cannot group
j-upload-name = upload { $id }
j-upload-parts = upload parts
j-delete-entry = Delete { $kind } { $name }…
j-confirm-title = Confirm deletion
j-confirm-heading = Delete from { $designation }?
j-confirm-text = This deletes { $what } from the server, with every part of it. It cannot be undone.
j-confirm-yes = Yes, delete it
j-confirm-no = No, keep it
j-notice-upload-deleted = The upload and all its parts were deleted.

## Reply bundles

j-replies-too-large = The bundle is larger than { $size }.
j-replies-cut-off = The upload was cut off; nothing was imported.
j-replies-none-chosen = No bundle was chosen.
j-replies-failed = The import failed; nothing was imported.
j-replies-imported-title = Replies imported
j-replies-imported-text =
    Imported { $new ->
        [one] 1 new reply
       *[other] { $new } new replies
    } for { $sources ->
        [one] 1 source
       *[other] { $sources } sources
    }; { $already } already delivered. Sources see them when they log in.
j-replies-refused-title = Replies refused
j-replies-refused-text = The reply bundle was refused and nothing was imported. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = No newsroom reply key is pinned on this server, so no reply can be trusted. The operator pins it with postern trust-newsroom.
j-refusal-not-bundle = This file is not a reply bundle. Upload the file that postern-review export-replies wrote.
j-refusal-unreadable = This file cannot be read as a reply bundle: it is cut short, or it is another kind of file. Upload the file that postern-review export-replies wrote, copied again.
j-refusal-version = The bundle is of a version this server cannot read. Update the server or postern-review so that both match.
j-refusal-cut-short = The bundle is incomplete: it ends too early or cannot be read. Copy it again and upload the new copy.
j-refusal-not-signed = The bundle is not signed by the newsroom key pinned on this server. It was altered, or made with another key.
j-refusal-altered = A reply in the bundle differs from its signed record: the bundle was damaged or altered on the way. Export it again.
j-refusal-malformed = The bundle is damaged or not in the form that postern-review writes. Export it again.
j-refusal-unknown-source = A reply is addressed to a source this server does not know. The bundle may be meant for another server.
j-refusal-source-record = The record of a reply’s source on this server does not verify. Tell the operator.
j-refusal-wrong-key = A reply is not encrypted to its source’s reply key, so the source could not read it. Write it again with postern-review reply.
j-refusal-too-large = The bundle holds too many replies for one import. Export fewer replies at a time.
j-refusal-conflict = A reply in the bundle has the id of another reply already on this server.
j-refusal-write-failed = Writing the replies failed partway. Upload the same bundle again: it completes the import and adds nothing twice.

## Errors

j-forbidden-title = Forbidden
j-forbidden-text = The form was out of date or not sent by this site. Go back, reload the page and try again.
j-forbidden-other-site = This request came from another site and was refused.
j-back = Back
j-back-sources = Back to the sources
j-error-title = Error
j-error-text = Something went wrong on the server. Try again; if it persists, tell the operator.
j-not-found-title = Not found
j-not-found-item = There is no such source or item (it may have been deleted).
j-not-found-page = There is no such page.

## Bundle selections and their parts

j-dates-from = Or every item from
j-dates-to = to
j-dates-choose = Choose these days
j-date-bad-title = Not a date
j-date-bad = Give dates as YYYY-MM-DD.
j-bundle-none-title = Nothing to download
j-bundle-none = This selection holds no item.
j-selection-title = Download a selection
j-selection-summary = Items: { $items }. Total size: { $total }. Parts: { $parts }, each at most about { $size } (an item larger than that is a part of its own).
j-selection-import = Each part is a signed bundle of its own: import the parts with { $command } in any order, and it tells you which parts of this selection it still lacks. A cut download resumes where it stopped.
j-selection-caption = Parts of selection { $id }
j-col-part = Part
j-col-part-size = Size
j-part-link = Part { $part } of { $parts }
j-selection-expired-title = Selection expired
j-selection-expired = This selection is no longer kept (the server restarted, or many were made since). Choose it again from the sources page: the same items give the same parts.
j-selection-changed-title = Selection changed
j-selection-changed = An item of this selection was deleted or changed since it was made. Choose it again from the sources page.
