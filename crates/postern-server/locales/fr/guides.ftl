# Postern, les deux guides pour les sources : « Rester en sécurité » et « Envoyer une très grosse archive ».
# Français. Écrit et relu par un modèle de langage (LLM) ; voir docs/translations.md.

landing-safety-more = En savoir plus pour rester en sécurité
home-large-more = Comment envoyer une très grosse archive

## Rester en sécurité

safety-title = Rester en sécurité
safety-intro = Lisez ceci avant d’envoyer quoi que ce soit. Cela prend quelques minutes.
safety-promise-heading = Ce que nous pouvons promettre, et ce que nous ne pouvons pas
safety-promise-1 = Ce site ne garde aucune trace de ses visiteurs. Il ne conserve ce que vous envoyez que sous forme chiffrée, et seule la rédaction peut l’ouvrir.
safety-promise-2 = Nous ne pouvons pas promettre que personne ne saura jamais qui vous êtes. Le plus souvent, on retrouve les gens par ce qui s’est passé avant l’envoi : qui avait les fichiers, qui les a copiés, à qui ils en ont parlé.
safety-promise-3 = Les conseils ci-dessous réduisent ce risque. Ils ne peuvent pas le supprimer.
safety-bridges-heading = Si Tor est bloqué là où vous êtes
safety-bridges-1 = Tor est bloqué ou ralenti dans certains pays, dont la Russie, le Bélarus, l’Iran et la Chine. Un pont vous aide à vous connecter malgré tout.
safety-bridges-2 = Dans le Navigateur Tor, ouvrez Paramètres, puis Connexion, puis Ponts. Choisissez un pont intégré : essayez d’abord obfs4, puis Snowflake.
safety-bridges-3 = Si la connexion échoue, demandez un pont : écrivez à @GetBridgesBot sur Telegram, ou envoyez un courriel à bridges@torproject.org depuis une adresse Gmail ou Riseup. Ajoutez le pont reçu dans Ponts.
safety-bridges-4 = Dans certains endroits, utiliser Tor peut à lui seul attirer l’attention. Si c’est un danger pour vous, connectez-vous depuis un lieu et un réseau qui ne sont pas liés à vous.
safety-metadata-heading = Les détails cachés dans les fichiers
safety-metadata-1 = Les fichiers contiennent des détails que vous ne voyez pas : les métadonnées. Les photos et les vidéos peuvent contenir le lieu, l’heure et l’appareil. Les documents peuvent contenir le nom de l’auteur, l’organisation et des versions antérieures.
safety-metadata-2 = Les noms des fichiers arrivent tels quels à la rédaction. Renommez vos fichiers avant de les envoyer si leurs noms en disent trop.
safety-metadata-3 = Pour supprimer les métadonnées, utilisez un outil fait pour cela, comme mat2, fourni avec le système Tails. Une capture d’écran ne garde presque rien du fichier d’origine, mais vérifiez qu’elle ne montre rien d’autre de votre écran.
safety-metadata-4 = Les pages imprimées peuvent porter de minuscules points jaunes qui identifient l’imprimante. N’imprimez pas et ne scannez pas de documents.
safety-metadata-5 = Si vous ne pouvez pas supprimer les métadonnées, dites-le dans votre message. Les journalistes vérifient chaque fichier avant toute publication.
safety-logged-heading = Où la copie elle-même peut être enregistrée
safety-logged-1 = L’endroit d’où viennent les fichiers peut enregistrer qui les a ouverts, téléchargés, imprimés ou copiés, et quand. Les réseaux d’entreprise, les systèmes de gestion de documents, la messagerie, le stockage en ligne et les ports USB gardent souvent ces traces.
safety-logged-2 = Pensez à qui d’autre aurait pu avoir les mêmes fichiers. Si très peu de personnes les avaient, dites-le-nous. La rédaction en tiendra compte avant de publier.
safety-logged-3 = N’envoyez rien depuis un ordinateur, un téléphone ou un réseau de travail.
safety-knows-heading = Ce que la rédaction saura, et ce qu’elle ne saura pas
safety-knows-yes = La rédaction verra ce que vous envoyez : les fichiers et leurs noms, vos messages, et le jour de l’envoi.
safety-knows-no = La rédaction ne verra pas votre adresse IP, votre nom, l’endroit où vous êtes ni l’heure exacte, sauf si vous ou vos fichiers le lui dites.
safety-knows-codename = Votre nom de code n’est enregistré nulle part. Gardez-le bien : c’est le seul moyen de lire les réponses.
safety-after-heading = Après l’envoi
safety-after-1 = À la fin, utilisez « Nouvelle identité » dans le Navigateur Tor, et ne dites à personne que vous avez envoyé quelque chose.
safety-after-2 = Agissez comme d’habitude. Ne cherchez pas l’affaire depuis un ordinateur de travail.

## Envoyer une très grosse archive

large-title = Envoyer une très grosse archive
large-intro = Avec Tor, une grosse archive prend des heures. La connexion va se couper, et c’est normal. Il y a deux façons de l’envoyer.
large-table-caption = Combien de temps prend l’envoi, à peu près
large-col-size = Taille
large-speed = { $n } Mo/s
large-col-speed = À { $speed }
large-minutes =
    { $n ->
        [one] { $n } minute
       *[other] { $n } minutes
    }
large-hours =
    { $n ->
        [one] environ { $n } heure
       *[other] environ { $n } heures
    }
large-table-note = Tor donne en général entre 1 et 5 Mo/s. Ces durées sont des estimations.
large-send-heading = Le plus simple : postern-send
large-send-intro = postern-send est un petit programme. Il envoie par morceaux, chacun par un nouveau circuit Tor. Après une coupure ou un redémarrage, il reprend là où il s’était arrêté.
large-send-step-1 = Obtenez d’abord un nom de code sur ce site, et notez-le.
large-send-step-2 = Gardez le Navigateur Tor ouvert pendant l’envoi.
large-send-step-3 = Procurez-vous postern-send et l’adresse .onion de ce site comme l’explique le guide de la rédaction.
large-send-step-4 = Lancez cette commande, avec l’adresse du site et votre fichier. Tapez votre nom de code quand il vous est demandé ; rien ne s’affiche pendant la saisie.
large-send-step-5 = S’il s’arrête, relancez la même commande. Il reprend là où il s’était arrêté.
large-split-heading = Sans programme : découper l’archive
large-split-text = Avec le Navigateur Tor au niveau « Le plus sûr », découpez l’archive en parties qui ne dépassent pas la limite affichée après la connexion. Envoyez les parties une par une, avec le même nom de code. Une coupure ne coûte alors qu’une partie.
large-rename = Le nom du fichier arrive à la rédaction. Renommez d’abord les fichiers si leurs noms en disent trop.
