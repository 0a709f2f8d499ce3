# Postern-Oberfläche: Deutsch.
#
# Wer liest, hat vielleicht Angst und wenig Zeit: einfache Wörter, kurze Sätze, ruhiger Ton.
# Die Kennungen müssen denen in en-US/postern.ftl entsprechen (ein Test prüft das).

## Aufbau, auf jeder Seite

skip-to-content = Zum Inhalt springen
nav-language = Sprache
footer-nojs = funktioniert ohne JavaScript
link-start = Zurück zur Startseite
logout-button = Abmelden

## Größen

size-mb = { $n } MB
size-gb = { $n } GB

## Datumsangaben im Text

date =
    { $day }. { $month ->
        [1] Januar
        [2] Februar
        [3] März
        [4] April
        [5] Mai
        [6] Juni
        [7] Juli
        [8] August
        [9] September
        [10] Oktober
        [11] November
       *[12] Dezember
    } { $year }

## Startseite

landing-title = Dokumente sicher senden
landing-heading = Dokumente und Nachrichten sicher senden
landing-intro = Hier können Sie Dokumente und Nachrichten sicher an Journalistinnen und Journalisten von { $org } senden.
landing-anonymous = Diese Seite ist so gebaut, dass wir nicht erfahren, wer Sie sind. Keine Website kann das aber allein versprechen: Es hängt auch davon ab, wie Sie senden. Die Ratschläge unten senken das Risiko.
landing-safety-heading = So schützen Sie sich
landing-safety-tor = Nutzen Sie den Tor Browser und stellen Sie die Sicherheitsstufe auf „Am sichersten“ (Safest): Klicken Sie auf das Schild-Symbol neben der Adressleiste, oder öffnen Sie Einstellungen und dann Datenschutz & Sicherheit.
landing-safety-safest = „Am sichersten“ schaltet JavaScript ab, das die meisten Angriffe auf den Tor Browser brauchen. Diese Seite funktioniert vollständig ohne.
landing-safety-bridges = Wenn Tor dort gesperrt ist, wo Sie sind, nutzen Sie eine Brücke: Öffnen Sie im Tor Browser Einstellungen, dann Verbindung, dann Brücken.
landing-safety-device = Nutzen Sie einen Computer und ein Netz, die nichts mit Ihnen zu tun haben. Nutzen Sie nie einen Arbeitscomputer oder ein Firmennetz.
landing-safety-silence = Erzählen Sie niemandem, dass Sie etwas senden.
landing-safety-metadata = Dateien können versteckte Angaben (Metadaten) enthalten, etwa den Namen einer Autorin, ein Gerät oder einen Ort, die auf Sie hinweisen. Entfernen Sie sie, wenn Sie können.
landing-safety-logged = Der Ort, von dem die Dateien stammen, zeichnet vielleicht auf, wer sie geöffnet, gedruckt oder kopiert hat. Überlegen Sie, wer sie sonst noch gehabt haben könnte.
landing-start-heading = Loslegen
landing-first-visit = Zum ersten Mal hier? Sie bekommen einen Codenamen: sieben zufällige Wörter, mit denen Sie später wiederkommen, mehr senden und Antworten lesen können.
landing-get-codename = Codenamen erhalten
landing-have-codename = Ich habe schon einen Codenamen

## Codename-Seite, nur einmal gezeigt

codename-title = Ihr Codename
codename-intro = Das ist Ihr Codename. Er wird nur dieses eine Mal gezeigt.
codename-advice-heading = Bewahren Sie ihn sicher auf
codename-write = Schreiben Sie ihn auf Papier, oder lernen Sie ihn auswendig.
codename-secret = Halten Sie ihn geheim. Zeigen Sie ihn niemandem.
codename-device = Speichern Sie ihn nie auf einem Telefon, Computer oder Konto, das mit Ihnen verbunden ist.
codename-replies = Nur mit ihm können Sie sich wieder anmelden und Antworten der Journalisten lesen.
codename-lost = Wir bewahren keine Kopie auf. Wenn Sie ihn verlieren, lässt er sich nicht wiederherstellen.
codename-latin = Das sind englische Wörter. Tippen Sie sie in lateinischen Buchstaben (a bis z), mit einer lateinischen Tastaturbelegung.
codename-continue-hint = Bevor Sie weitergehen: Haben Sie ihn aufgeschrieben?
codename-continue = Weiter zum Senden

## Codename-Seite neu geladen

codename-expired-title = Seite abgelaufen
codename-expired-heading = Diese Seite ist abgelaufen
codename-expired-text = Ein Codename wird nur einmal gezeigt. Neu laden kann ihn nicht noch einmal zeigen.
codename-expired-next = Wenn Sie ihn aufgeschrieben haben, melden Sie sich damit an. Wenn nicht, holen Sie sich einen neuen Codenamen.
codename-expired-link = Neuen Codenamen erhalten

## Anmelden

login-title = Anmelden
login-intro = Geben Sie den Codenamen ein, den Sie beim ersten Besuch bekommen haben.
login-codename-label = Codename
login-codename-hint = Sieben Wörter mit Leerzeichen dazwischen. Was Sie tippen, bleibt verborgen, damit niemand es über Ihre Schulter lesen kann.
login-submit = Anmelden
login-no-codename = Noch keinen Codenamen? Holen Sie sich einen auf der Startseite.
login-error-empty = Bitte geben Sie Ihren Codenamen ein.
login-error-too-long = Das ist zu lang für einen Codenamen. Bitte prüfen Sie ihn und versuchen Sie es noch einmal.
login-error-word-count = Ein Codename hat genau sieben Wörter. Bitte prüfen Sie ihn und versuchen Sie es noch einmal.
login-error-keyboard = Ihr Codename wurde mit nicht lateinischen Buchstaben getippt. Stellen Sie die Tastatur auf eine lateinische Belegung um und tippen Sie ihn noch einmal.
login-error-unknown-word = Eines der Wörter gehört nicht zu den Codename-Wörtern. Bitte prüfen Sie die Schreibweise und versuchen Sie es noch einmal.

## Startseite nach der Anmeldung

home-title = Senden und Antworten lesen
home-heading = Dokumente oder eine Nachricht senden
home-welcome = Willkommen. Ihr Codename ist bereit. Sie haben noch nichts gesendet: Das können Sie jetzt hier tun.
home-unknown = Mit diesem Codenamen wurde noch nichts gesendet. Wenn Sie schon etwas gesendet haben, prüfen Sie Ihren Codenamen auf Tippfehler und melden Sie sich noch einmal an.
home-encrypted = Alles, was Sie senden, wird gleich beim Eintreffen für die Journalisten verschlüsselt.
home-message-label = Nachricht
home-files-label = Dateien
home-files-hint = Sie können mehrere Dateien auf einmal wählen.
home-limits =
    Jede Datei darf bis zu { $file } groß sein, alles auf einmal Gesendete bis zu { $request }. Eine Nachricht darf bis zu { $chars } { $chars_n ->
        [one] Zeichen
       *[other] Zeichen
    } lang sein.
home-split = Ein größeres Archiv lässt sich in Teile aufteilen (zum Beispiel als 7-Zip-Volumes) und Teil für Teil senden.
home-large = Für ein sehr großes Archiv (viele Gigabyte) nutzen Sie besser das Kommandozeilenprogramm postern-send: Es sendet über Tor in Stücken, jedes über einen neuen Kanal, und wenn die Verbindung abbricht, macht es dort weiter, wo es aufgehört hat, auch nach einem Neustart. Es fragt nach Ihrem Codenamen und der .onion-Adresse dieser Seite; die Anleitung der Redaktion erklärt, wie Sie es bekommen. Mit dem Tor Browser auf „Am sichersten“ teilen Sie das Archiv in Teile von höchstens der oben genannten Größe (zum Beispiel: 7z a -v1g parts.7z ORDNER) und senden die Teile hier einzeln.
home-wait = Das Senden über Tor kann lange dauern. Lassen Sie diese Seite offen, bis Sie die Bestätigung sehen.
home-submit = Verschlüsseln und senden
notice-nothing-sent = Nichts wurde gesendet: Schreiben Sie eine Nachricht oder wählen Sie mindestens eine Datei.
home-replies-heading = Antworten
home-replies-none = Noch keine Antworten.
home-reply-day = Antwort vom { $day }
home-replies-locked = Sie haben Antworten, aber diese Sitzung war zu lange untätig, um sie zu öffnen. Melden Sie sich ab und mit Ihrem Codenamen wieder an, um sie zu lesen.
home-replies-deletion = Eine gelöschte Antwort verschwindet von diesem Server. Die Journalisten behalten ihre eigene Kopie auf ihrem Offline-Computer.
home-reply-delete = Diese Antwort löschen
home-replies-delete-all = Alle Antworten löschen
notice-reply-deleted = Die Antwort wurde gelöscht.
notice-replies-deleted = Alle Antworten wurden gelöscht.
notice-reply-gone = Diese Antwort war schon gelöscht.
home-logout-hint = Wenn Sie fertig sind, melden Sie sich ab.

## Nach dem Senden

submitted-title = Danke
submitted-heading = Danke
submitted-files-and-message =
    Ihre Nachricht und { $files } { $files ->
        [one] Datei
       *[other] Dateien
    } wurden verschlüsselt und gespeichert.
submitted-files =
    { $files ->
        [one] { $files } Datei wurde verschlüsselt und gespeichert.
       *[other] { $files } Dateien wurden verschlüsselt und gespeichert.
    }
submitted-message = Ihre Nachricht wurde verschlüsselt und gespeichert.
submitted-nothing = Nichts wurde gesendet: Das Formular war leer.
submitted-next-heading = Wie es weitergeht
submitted-next-check = Die Journalisten sehen regelmäßig nach neuen Einsendungen. Eine Antwort kann ein paar Tage dauern.
submitted-next-return = Kommen Sie später wieder und melden Sie sich mit Ihrem Codenamen an, um Antworten zu lesen.
submitted-back = Mehr senden oder Antworten lesen

## Abgemeldet

logged-out-title = Abgemeldet
logged-out-heading = Sie sind abgemeldet
logged-out-new-identity = Löschen Sie diese Sitzung jetzt mit „Neue Identität“ des Tor Browsers aus dem Browser: Öffnen Sie das Menü ☰ und wählen Sie „Neue Identität“, oder drücken Sie Strg+Umschalt+U.

## Sitzung beendet

expired-title = Sitzung beendet
expired-heading = Ihre Sitzung ist beendet
expired-text = Zu Ihrer Sicherheit wurde die Sitzung nach einer Zeit ohne Aktivität beendet.
expired-kept = Nichts, was Sie nicht gesendet hatten, wurde behalten.
expired-login = Mit dem Codenamen wieder anmelden

## Fehler ($status ist der HTTP-Statuscode)

error-title = Fehler { $status }
error-not-found = Diese Seite gibt es nicht.
error-bad-request = Die Anfrage war nicht verständlich. Bitte gehen Sie zurück und versuchen Sie es noch einmal.
error-csrf = Dieses Formular ist abgelaufen, oder es kam von einer anderen Seite. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.
error-too-large = Das Gesendete ist größer als erlaubt, daher wurde nichts gespeichert. Teilen Sie es in kleinere Teile und senden Sie diese einzeln.
error-message-kept = Ihre Nachricht ist noch da: im Feld unten.
error-message-too-long = Die Nachricht ist länger als erlaubt. Bitte kürzen Sie sie, oder speichern Sie sie als Datei und senden Sie diese.
error-server = Bei uns ist etwas schiefgegangen. Nichts von Ihrer Sendung wurde behalten. Bitte versuchen Sie es später noch einmal.
error-disk-full = Der Server kann gerade keine Dateien annehmen. Bitte versuchen Sie es später noch einmal.
error-method = Diese Seite lässt sich so nicht benutzen. Bitte gehen Sie zurück zur Startseite.

## Ausgelastet

busy-title = Ausgelastet
busy-heading = Bitte warten Sie einen Moment
busy-text = Gerade melden sich viele Menschen an. Bitte warten Sie eine Minute und versuchen Sie es noch einmal.
