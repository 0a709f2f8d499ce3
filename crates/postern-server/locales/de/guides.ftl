# Postern, die zwei Hinweisseiten für Quellen: „Sicher bleiben“ und „Ein sehr großes Archiv senden“.
# Deutsch. Von einem Sprachmodell (LLM) geschrieben und geprüft; siehe docs/translations.md.

landing-safety-more = Mehr dazu, wie Sie sicher bleiben
home-large-more = So senden Sie ein sehr großes Archiv

## Sicher bleiben

safety-title = Sicher bleiben
safety-intro = Lesen Sie das, bevor Sie etwas senden. Es dauert nur ein paar Minuten.
safety-promise-heading = Was wir versprechen können und was nicht
safety-promise-1 = Diese Seite speichert nicht, wer sie besucht. Was Sie senden, wird nur verschlüsselt gespeichert, und nur die Redaktion kann es öffnen.
safety-promise-2 = Wir können nicht versprechen, dass niemand je herausfindet, wer Sie sind. Menschen werden meist über das gefunden, was vor dem Senden geschah: wer die Dateien hatte, wer sie kopiert hat, wem sie es erzählt haben.
safety-promise-3 = Die Hinweise unten senken dieses Risiko. Ganz beseitigen können sie es nicht.
safety-bridges-heading = Wenn Tor dort gesperrt ist, wo Sie sind
safety-bridges-1 = In manchen Ländern wird Tor gesperrt oder gebremst, darunter Russland, Belarus, Iran und China. Eine Brücke hilft Ihnen, trotzdem eine Verbindung herzustellen.
safety-bridges-2 = Öffnen Sie im Tor Browser Einstellungen, dann Verbindung, dann Brücken. Wählen Sie eine eingebaute Brücke: zuerst obfs4, dann Snowflake.
safety-bridges-3 = Wenn das nicht verbindet, fordern Sie eine Brücke an: Schreiben Sie an @GetBridgesBot auf Telegram, oder senden Sie eine E-Mail an bridges@torproject.org von einer Gmail- oder Riseup-Adresse. Fügen Sie die erhaltene Brücke unter Brücken hinzu.
safety-bridges-4 = An manchen Orten kann schon die Nutzung von Tor auffallen. Wenn das für Sie gefährlich ist, verbinden Sie sich von einem Ort und über ein Netz, die nicht mit Ihnen verbunden sind.
safety-metadata-heading = Versteckte Angaben in Dateien
safety-metadata-1 = Dateien enthalten Angaben, die Sie nicht sehen: Metadaten. Fotos und Videos können den Ort, die Zeit und das Gerät enthalten. Dokumente können den Namen der Autorin oder des Autors, die Organisation und frühere Fassungen enthalten.
safety-metadata-2 = Dateinamen kommen so bei der Redaktion an, wie sie sind. Benennen Sie Ihre Dateien vor dem Senden um, wenn die Namen zu viel verraten.
safety-metadata-3 = Um Metadaten zu entfernen, nutzen Sie ein Werkzeug dafür, zum Beispiel mat2, das im System Tails enthalten ist. Ein Bildschirmfoto behält fast nichts von der ursprünglichen Datei, aber prüfen Sie, dass es nichts anderes von Ihrem Bildschirm zeigt.
safety-metadata-4 = Gedruckte Seiten können winzige gelbe Punkte tragen, die den Drucker verraten. Drucken und scannen Sie Dokumente nicht.
safety-metadata-5 = Wenn Sie die Metadaten nicht entfernen können, schreiben Sie das in Ihre Nachricht. Die Journalisten prüfen jede Datei, bevor etwas veröffentlicht wird.
safety-logged-heading = Wo das Kopieren selbst aufgezeichnet sein kann
safety-logged-1 = Dort, wo die Dateien herkommen, kann aufgezeichnet werden, wer sie wann geöffnet, heruntergeladen, gedruckt oder kopiert hat. Firmennetze, Dokumentensysteme, E-Mail, Cloud-Speicher und USB-Anschlüsse führen oft solche Protokolle.
safety-logged-2 = Überlegen Sie, wer die gleichen Dateien noch gehabt haben könnte. Wenn es nur sehr wenige waren, sagen Sie es uns. Die Redaktion bedenkt das, bevor sie veröffentlicht.
safety-logged-3 = Senden Sie nicht von einem Dienstrechner, einem Diensttelefon oder über ein Firmennetz.
safety-knows-heading = Was die Redaktion erfährt und was nicht
safety-knows-yes = Die Redaktion sieht, was Sie senden: die Dateien und ihre Namen, Ihre Nachrichten und den Tag, an dem Sie sie gesendet haben.
safety-knows-no = Die Redaktion sieht nicht Ihre IP-Adresse, Ihren Namen, wo Sie sind oder die genaue Uhrzeit, außer Sie oder Ihre Dateien verraten es.
safety-knows-codename = Ihr Codename wird nirgends gespeichert. Bewahren Sie ihn gut auf: Nur mit ihm können Sie Antworten lesen.
safety-after-heading = Nach dem Senden
safety-after-1 = Nutzen Sie am Ende „Neue Identität“ im Tor Browser, und erzählen Sie niemandem, dass Sie etwas gesendet haben.
safety-after-2 = Verhalten Sie sich wie immer. Suchen Sie nicht auf einem Dienstrechner nach der Geschichte.

## Ein sehr großes Archiv senden

large-title = Ein sehr großes Archiv senden
large-intro = Über Tor dauert ein großes Archiv Stunden. Die Verbindung wird abbrechen, und das ist normal. Es gibt zwei Wege, es zu senden.
large-table-caption = Wie lange das Senden ungefähr dauert
large-col-size = Größe
large-speed = { $n } MB/s
large-col-speed = Bei { $speed }
large-minutes =
    { $n ->
        [one] 1 Minute
       *[other] { $n } Minuten
    }
large-hours =
    { $n ->
        [one] etwa 1 Stunde
       *[other] etwa { $n } Stunden
    }
large-table-note = Tor schafft meist zwischen 1 und 5 MB/s. Die Zeiten sind Schätzungen.
large-send-heading = Der einfachste Weg: postern-send
large-send-intro = postern-send ist ein kleines Programm. Es sendet in Stücken, jedes über einen neuen Tor-Kanal. Nach einem Verbindungsabbruch oder einem Neustart macht es dort weiter, wo es aufgehört hat.
large-send-step-1 = Holen Sie sich zuerst auf dieser Seite einen Codenamen und schreiben Sie ihn auf.
large-send-step-2 = Lassen Sie den Tor Browser beim Senden offen.
large-send-step-3 = Besorgen Sie postern-send und die .onion-Adresse dieser Seite, wie es die Anleitung der Redaktion erklärt.
large-send-step-4 = Führen Sie diesen Befehl aus, mit der Adresse der Seite und Ihrer Datei. Geben Sie Ihren Codenamen ein, wenn er abgefragt wird; beim Tippen wird nichts angezeigt.
large-send-step-5 = Wenn es stehen bleibt, führen Sie denselben Befehl noch einmal aus. Es macht dort weiter, wo es aufgehört hat.
large-split-heading = Ohne Programm: das Archiv teilen
large-split-text = Mit dem Tor Browser auf der Stufe „Am sichersten“ teilen Sie das Archiv in Teile, die nicht größer sind als die Grenze, die nach der Anmeldung angezeigt wird. Senden Sie die Teile einzeln, mit demselben Codenamen. Ein Abbruch kostet dann nur einen Teil.
large-rename = Der Dateiname kommt bei der Redaktion an. Benennen Sie Dateien vorher um, wenn ihre Namen zu viel verraten.
