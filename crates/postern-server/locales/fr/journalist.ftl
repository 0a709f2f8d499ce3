# Postern, interface des journalistes : français.
# Écrit et relu par un modèle de langage (LLM) ; voir docs/translations.md.

## Mise en page, sur chaque page

j-interface = Interface des journalistes
j-skip = Aller au contenu
j-org-suffix = interface des journalistes
j-nav-language = Langue
j-logout = Déconnecter { $user }
j-footer = tout ici est chiffré avec les clés de la rédaction : lisez-le sur l’ordinateur isolé du réseau.

## Connexion

j-login-title = Connexion
j-login-username = Nom d’utilisateur
j-login-passphrase = Phrase de passe
j-login-code = Code de double authentification
j-login-button = Se connecter
j-login-failed = La connexion a échoué. Vérifiez votre nom d’utilisateur, votre phrase de passe et votre code, puis réessayez. Après plusieurs échecs, les connexions à un compte sont suspendues un moment.
j-login-again = Se reconnecter
j-logged-out-title = Déconnecté
j-logged-out-text = Vous êtes déconnecté.
j-session-ended-title = Session terminée
j-session-ended-text = Votre session est terminée (après un moment d’inactivité, ou parce que votre compte a changé). Reconnectez-vous.

## Liste des sources

j-sources-title = Sources
j-sources-summary =
    { $sources ->
        [one] { $sources } source
       *[other] { $sources } sources
    }, { $new ->
        [one] { $new } nouvel élément
       *[other] { $new } nouveaux éléments
    } pour vous.
j-bundle-new = Télécharger un paquet de toutes les nouveautés
j-sources-none = Aucune source pour l’instant.
j-sources-caption = Sources, activité la plus récente d’abord
j-col-source = Source
j-col-new = Nouveaux
j-col-items = Éléments
j-col-last = Dernière activité
j-col-star = Étoile
j-replies-title = Réponses
j-replies-label = Un paquet de réponses créé par { $command }
j-replies-button = Envoyer les réponses

## Une source

j-source-summary =
    Vue pour la première fois le { $day } ; { $items ->
        [one] { $items } élément
       *[other] { $items } éléments
    }, dont { $new } nouveaux pour vous.
j-all-sources = Toutes les sources
j-star = Marquer d’une étoile
j-unstar = Retirer l’étoile
j-mark-seen = Tout marquer comme vu
j-bundle-source = Télécharger un paquet des éléments de cette source
j-items-caption = Éléments de cette source
j-col-item = Élément
j-col-kind = Type
j-col-size = Taille en octets (avec remplissage)
j-col-day = Jour
j-col-delete = Suppression
j-item-new = (nouveau)
j-item-delete-label = Supprimer { $item }
j-delete = Supprimer
j-kind-message = Message
j-kind-file = Fichier
j-kind-reply = Réponse
j-kind-segment = Partie d’un envoi
j-kind-manifest = Fin d’un envoi
j-delete-source-title = Supprimer cette source
j-delete-source-text = Cela supprime du serveur tous les éléments de cette source. C’est irréversible.
j-delete-source-confirm = Pour confirmer, tapez la désignation { $designation }
j-delete-source-button = Supprimer la source et tous ses éléments
j-notice-item-deleted = L’élément a été supprimé.
j-notice-not-confirmed = Rien n’a été supprimé : tapez exactement la désignation pour confirmer.
j-notice-source-deleted = La source et tous ses éléments ont été supprimés.

## Paquets de réponses

j-replies-too-large = Le paquet dépasse { $size }.
j-replies-cut-off = L’envoi a été interrompu ; rien n’a été importé.
j-replies-none-chosen = Aucun paquet n’a été choisi.
j-replies-failed = L’importation a échoué ; rien n’a été importé.
j-replies-imported-title = Réponses importées
j-replies-imported-text = Nouvelles réponses importées : { $new }, pour { $sources } source(s) ; déjà remises : { $already }. Les sources les verront à leur prochaine connexion.
j-replies-refused-title = Réponses refusées
j-replies-refused-text = Le paquet de réponses a été refusé et rien n’a été importé. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = Aucune clé de réponse de la rédaction n’est épinglée sur ce serveur : aucune réponse ne peut donc être reconnue comme authentique. L’administrateur l’épingle avec postern trust-newsroom.
j-refusal-not-bundle = Ce fichier n’est pas un paquet de réponses. Envoyez le fichier écrit par postern-review export-replies.
j-refusal-unreadable = Ce fichier ne peut pas être lu comme un paquet de réponses : il est tronqué, ou c’est un autre type de fichier. Copiez à nouveau le fichier écrit par postern-review export-replies et envoyez-le.
j-refusal-version = Le paquet est d’une version que ce serveur ne sait pas lire. Mettez à jour le serveur ou postern-review pour que les deux concordent.
j-refusal-cut-short = Le paquet est incomplet : il s’arrête trop tôt ou ne peut pas être lu. Copiez-le à nouveau et envoyez la nouvelle copie.
j-refusal-not-signed = Le paquet n’est pas signé par la clé de la rédaction épinglée sur ce serveur. Il a été modifié, ou fait avec une autre clé.
j-refusal-altered = Une réponse du paquet ne correspond pas à son registre signé : le paquet a été abîmé ou modifié en route. Exportez-le à nouveau.
j-refusal-malformed = Le paquet est abîmé ou n’a pas la forme qu’écrit postern-review. Exportez-le à nouveau.
j-refusal-unknown-source = Une réponse s’adresse à une source que ce serveur ne connaît pas. Le paquet est peut-être destiné à un autre serveur.
j-refusal-source-record = Le registre de la source d’une réponse ne se vérifie pas sur ce serveur. Prévenez l’administrateur.
j-refusal-wrong-key = Une réponse n’est pas chiffrée pour la clé de réponse de sa source, qui ne pourrait donc pas la lire. Écrivez-la à nouveau avec postern-review reply.
j-refusal-too-large = Le paquet contient trop de réponses pour une seule importation. Exportez moins de réponses à la fois.
j-refusal-conflict = Une réponse du paquet porte l’identifiant d’une autre réponse déjà présente sur ce serveur.
j-refusal-write-failed = L’écriture des réponses s’est arrêtée en cours de route. Envoyez à nouveau le même paquet : l’importation se termine et rien n’est ajouté deux fois.

## Erreurs

j-forbidden-title = Interdit
j-forbidden-text = Le formulaire était périmé ou ne venait pas de ce site. Revenez en arrière, rechargez la page et réessayez.
j-forbidden-other-site = Cette requête venait d’un autre site et a été refusée.
j-back = Retour
j-back-sources = Retour aux sources
j-error-title = Erreur
j-error-text = Un problème est survenu sur le serveur. Réessayez ; si cela continue, prévenez l’administrateur.
j-not-found-title = Introuvable
j-not-found-item = Cette source ou cet élément n’existe pas (il a peut-être été supprimé).
j-not-found-page = Cette page n’existe pas.

## One upload, one entry; deletions asked first

j-items-caption-entries = Éléments de cette source, les plus récents d’abord (un envoi est un seul élément, en autant de parties qu’il soit arrivé)
j-col-size-padded = Taille (remplie)
j-col-state = État
j-kind-upload = Envoi
j-state-complete = complet
j-state-in-progress = en cours : { $have } sur { $total } ({ $percent } %)
j-state-expired = expiré à { $have } sur { $total } ({ $percent } %) : supprimé au prochain entretien
j-state-parts-missing = incomplet : des parties ont été supprimées
j-state-unindexed = parties d’envois que le serveur ne sait pas regrouper
j-upload-name = envoi { $id }
j-upload-parts = parties d’envois
j-delete-entry = Supprimer { $kind } { $name }…
j-confirm-title = Confirmer la suppression
j-confirm-heading = Supprimer de { $designation } ?
j-confirm-text = Ceci supprime { $what } du serveur, avec toutes ses parties. C’est irréversible.
j-confirm-yes = Oui, supprimer
j-confirm-no = Non, garder
j-notice-upload-deleted = L’envoi et toutes ses parties ont été supprimés.

## Bundle selections and their parts

j-dates-from = Ou chaque élément du
j-dates-to = au
j-dates-choose = Choisir ces jours
j-date-bad-title = Ce n’est pas une date
j-date-bad = Donnez les dates au format AAAA-MM-JJ.
j-bundle-none-title = Rien à télécharger
j-bundle-none = Cette sélection ne contient aucun élément.
j-selection-title = Télécharger une sélection
j-selection-summary = Éléments : { $items }. Taille totale : { $total }. Parties : { $parts }, chacune d’environ { $size } au plus (un élément plus grand forme une partie à lui seul).
j-selection-import = Chaque partie est un paquet signé à part entière : importez les parties avec { $command } dans n’importe quel ordre ; il vous dit quelles parties de cette sélection manquent encore. Un téléchargement coupé reprend là où il s’est arrêté.
j-selection-caption = Parties de la sélection { $id }
j-col-part = Partie
j-col-part-size = Taille
j-part-link = Partie { $part } sur { $parts }
j-selection-expired-title = Sélection expirée
j-selection-expired = Cette sélection n’est plus conservée (le serveur a redémarré, ou beaucoup d’autres ont été faites depuis). Choisissez-la de nouveau depuis la page des sources : les mêmes éléments donnent les mêmes parties.
j-selection-changed-title = Sélection modifiée
j-selection-changed = Un élément de cette sélection a été supprimé ou modifié depuis sa création. Choisissez-la de nouveau depuis la page des sources.
