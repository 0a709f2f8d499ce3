# Postern, Oberfläche für Journalisten: Deutsch.
# Von einem Sprachmodell (LLM) geschrieben und geprüft; siehe docs/translations.md.

## Layout, auf jeder Seite

j-interface = Oberfläche für Journalisten
j-skip = Zum Inhalt springen
j-org-suffix = Oberfläche für Journalisten
j-nav-language = Sprache
j-logout = { $user } abmelden
j-footer = alles hier ist mit den Schlüsseln der Redaktion verschlüsselt: lesen Sie es auf dem Rechner ohne Netzverbindung.

## Anmeldung

j-login-title = Anmelden
j-login-username = Benutzername
j-login-passphrase = Passphrase
j-login-code = Code der Zwei-Faktor-Prüfung
j-login-button = Anmelden
j-login-failed = Die Anmeldung ist fehlgeschlagen. Prüfen Sie Benutzernamen, Passphrase und Code und versuchen Sie es noch einmal. Nach mehreren Fehlversuchen werden Anmeldungen für ein Konto eine Weile ausgesetzt.
j-login-again = Erneut anmelden
j-logged-out-title = Abgemeldet
j-logged-out-text = Sie sind abgemeldet.
j-session-ended-title = Sitzung beendet
j-session-ended-text = Ihre Sitzung ist beendet (nach längerer Inaktivität oder weil Ihr Konto geändert wurde). Melden Sie sich erneut an.

## Liste der Quellen

j-sources-title = Quellen
j-sources-summary =
    { $sources ->
        [one] 1 Quelle
       *[other] { $sources } Quellen
    }, { $new ->
        [one] 1 neues Element
       *[other] { $new } neue Elemente
    } für Sie.
j-bundle-new = Ein Paket mit allem Neuen herunterladen
j-sources-none = Noch keine Quellen.
j-sources-caption = Quellen, zuletzt aktive zuerst
j-col-source = Quelle
j-col-new = Neu
j-col-items = Elemente
j-col-last = Zuletzt aktiv
j-col-star = Stern
j-replies-title = Antworten
j-replies-label = Ein Antwortpaket, erstellt mit { $command }
j-replies-button = Antworten hochladen

## Eine Quelle

j-source-summary =
    Zuerst gesehen am { $day }; { $items ->
        [one] 1 Element
       *[other] { $items } Elemente
    }, davon { $new } neu für Sie.
j-all-sources = Alle Quellen
j-star = Mit Stern markieren
j-unstar = Stern entfernen
j-mark-seen = Alles als gesehen markieren
j-bundle-source = Ein Paket mit den Elementen dieser Quelle herunterladen
j-items-caption = Elemente dieser Quelle
j-col-item = Element
j-col-kind = Art
j-col-size = Größe in Bytes (aufgefüllt)
j-col-day = Tag
j-col-delete = Löschen
j-item-new = (neu)
j-item-delete-label = { $item } löschen
j-delete = Löschen
j-kind-message = Nachricht
j-kind-file = Datei
j-kind-reply = Antwort
j-kind-segment = Teil eines Uploads
j-kind-manifest = Ende eines Uploads
j-delete-source-title = Diese Quelle löschen
j-delete-source-text = Dies löscht alle Elemente dieser Quelle vom Server. Das lässt sich nicht rückgängig machen.
j-delete-source-confirm = Geben Sie zur Bestätigung die Bezeichnung { $designation } ein
j-delete-source-button = Quelle und alle ihre Elemente löschen
j-notice-item-deleted = Das Element wurde gelöscht.
j-notice-not-confirmed = Nichts wurde gelöscht: Geben Sie zur Bestätigung die Bezeichnung genau ein.
j-notice-source-deleted = Die Quelle und alle ihre Elemente wurden gelöscht.

## Antwortpakete

j-replies-too-large = Das Paket ist größer als { $size }.
j-replies-cut-off = Der Upload wurde abgebrochen; nichts wurde importiert.
j-replies-none-chosen = Es wurde kein Paket ausgewählt.
j-replies-failed = Der Import ist fehlgeschlagen; nichts wurde importiert.
j-replies-imported-title = Antworten importiert
j-replies-imported-text =
    { $new ->
        [one] 1 neue Antwort
       *[other] { $new } neue Antworten
    } für { $sources ->
        [one] 1 Quelle
       *[other] { $sources } Quellen
    } importiert; { $already } schon zugestellt. Die Quellen sehen sie, wenn sie sich anmelden.
j-replies-refused-title = Antworten abgelehnt
j-replies-refused-text = Das Antwortpaket wurde abgelehnt, nichts wurde importiert. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = Auf diesem Server ist kein Antwortschlüssel der Redaktion hinterlegt, daher kann keiner Antwort vertraut werden. Die Administration hinterlegt ihn mit postern trust-newsroom.
j-refusal-not-bundle = Diese Datei ist kein Antwortpaket. Laden Sie die Datei hoch, die postern-review export-replies geschrieben hat.
j-refusal-unreadable = Diese Datei lässt sich nicht als Antwortpaket lesen: Sie ist abgeschnitten oder eine andere Art von Datei. Kopieren Sie die Datei, die postern-review export-replies geschrieben hat, erneut und laden Sie sie hoch.
j-refusal-version = Das Paket hat eine Version, die dieser Server nicht lesen kann. Aktualisieren Sie den Server oder postern-review, damit beide zusammenpassen.
j-refusal-cut-short = Das Paket ist unvollständig: Es endet zu früh oder lässt sich nicht lesen. Kopieren Sie es erneut und laden Sie die neue Kopie hoch.
j-refusal-not-signed = Das Paket ist nicht mit dem Redaktionsschlüssel signiert, der auf diesem Server hinterlegt ist. Es wurde verändert oder mit einem anderen Schlüssel erstellt.
j-refusal-altered = Eine Antwort im Paket passt nicht zu ihrem signierten Eintrag: Das Paket wurde unterwegs beschädigt oder verändert. Exportieren Sie es erneut.
j-refusal-malformed = Das Paket ist beschädigt oder nicht in der Form, die postern-review schreibt. Exportieren Sie es erneut.
j-refusal-unknown-source = Eine Antwort richtet sich an eine Quelle, die dieser Server nicht kennt. Vielleicht ist das Paket für einen anderen Server bestimmt.
j-refusal-source-record = Der Eintrag der Quelle einer Antwort lässt sich auf diesem Server nicht prüfen. Sagen Sie der Administration Bescheid.
j-refusal-wrong-key = Eine Antwort ist nicht für den Antwortschlüssel ihrer Quelle verschlüsselt, die Quelle könnte sie also nicht lesen. Schreiben Sie sie mit postern-review reply neu.
j-refusal-too-large = Das Paket enthält zu viele Antworten für einen Import. Exportieren Sie weniger Antworten auf einmal.
j-refusal-conflict = Eine Antwort im Paket hat die Kennung einer anderen Antwort, die schon auf diesem Server liegt.
j-refusal-write-failed = Das Schreiben der Antworten brach mittendrin ab. Laden Sie dasselbe Paket noch einmal hoch: Der Import wird abgeschlossen, nichts kommt doppelt hinzu.

## Fehler

j-forbidden-title = Verboten
j-forbidden-text = Das Formular war veraltet oder kam nicht von dieser Seite. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.
j-forbidden-other-site = Diese Anfrage kam von einer anderen Seite und wurde abgelehnt.
j-back = Zurück
j-back-sources = Zurück zu den Quellen
j-error-title = Fehler
j-error-text = Auf dem Server ist etwas schiefgegangen. Versuchen Sie es noch einmal; wenn es so bleibt, sagen Sie es dem Betreiber.
j-not-found-title = Nicht gefunden
j-not-found-item = Diese Quelle oder dieses Element gibt es nicht (vielleicht wurde es gelöscht).
j-not-found-page = Diese Seite gibt es nicht.

## One upload, one entry; deletions asked first

j-items-caption-entries = Einträge dieser Quelle, neueste zuerst (ein Upload ist ein Eintrag, in wie vielen Teilen er auch ankam)
j-col-size-padded = Größe (aufgefüllt)
j-col-state = Status
j-kind-upload = Upload
j-state-complete = vollständig
j-state-in-progress = läuft: { $have } von { $total } ({ $percent } %)
j-state-expired = abgelaufen bei { $have } von { $total } ({ $percent } %): wird bei der nächsten Wartung entfernt
j-state-parts-missing = unvollständig: Teile davon wurden gelöscht
j-state-unindexed = Teile von Uploads, die der Server nicht zuordnen kann
j-upload-name = Upload { $id }
j-upload-parts = Upload-Teile
j-delete-entry = { $kind } { $name } löschen…
j-confirm-title = Löschen bestätigen
j-confirm-heading = Aus { $designation } löschen?
j-confirm-text = Dies löscht { $what } mit allen seinen Teilen vom Server. Das lässt sich nicht rückgängig machen.
j-confirm-yes = Ja, löschen
j-confirm-no = Nein, behalten
j-notice-upload-deleted = Der Upload und alle seine Teile wurden gelöscht.

## Bundle selections and their parts

j-dates-from = Oder jedes Element vom
j-dates-to = bis
j-dates-choose = Diese Tage wählen
j-date-bad-title = Kein Datum
j-date-bad = Geben Sie Daten als JJJJ-MM-TT an.
j-bundle-none-title = Nichts herunterzuladen
j-bundle-none = Diese Auswahl enthält kein Element.
j-selection-title = Eine Auswahl herunterladen
j-selection-summary = Elemente: { $items }. Gesamtgröße: { $total }. Teile: { $parts }, jeder höchstens etwa { $size } (ein größeres Element ist ein eigener Teil).
j-selection-import = Jeder Teil ist ein eigenes signiertes Paket: Importieren Sie die Teile mit { $command } in beliebiger Reihenfolge; es sagt Ihnen, welche Teile dieser Auswahl noch fehlen. Ein abgebrochener Download setzt dort fort, wo er stehen blieb.
j-selection-caption = Teile der Auswahl { $id }
j-col-part = Teil
j-col-part-size = Größe
j-part-link = Teil { $part } von { $parts }
j-selection-expired-title = Auswahl abgelaufen
j-selection-expired = Diese Auswahl wird nicht mehr vorgehalten (der Server wurde neu gestartet, oder seitdem wurden viele erstellt). Wählen Sie sie auf der Quellenseite erneut: dieselben Elemente ergeben dieselben Teile.
j-selection-changed-title = Auswahl geändert
j-selection-changed = Ein Element dieser Auswahl wurde seit ihrer Erstellung gelöscht oder geändert. Wählen Sie sie auf der Quellenseite erneut.
