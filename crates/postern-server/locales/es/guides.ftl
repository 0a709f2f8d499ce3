# Postern, las dos guías para fuentes: «Cómo protegerse» y «Enviar un archivo muy grande».
# Español. Escrito y revisado por un modelo de lenguaje (LLM); véase docs/translations.md.

landing-safety-more = Más sobre cómo protegerse
home-large-more = Cómo enviar un archivo muy grande

## Cómo protegerse

safety-title = Cómo protegerse
safety-intro = Lea esto antes de enviar nada. Le llevará unos minutos.
safety-promise-heading = Lo que podemos prometer y lo que no
safety-promise-1 = Este sitio no guarda ningún registro de quién lo visita. Lo que usted envía se guarda solo cifrado, y solo la redacción puede abrirlo.
safety-promise-2 = No podemos prometer que nadie sabrá nunca quién es usted. Casi siempre se encuentra a las personas por lo que pasó antes del envío: quién tenía los archivos, quién los copió, a quién se lo contaron.
safety-promise-3 = Los consejos de abajo reducen ese riesgo. No pueden eliminarlo.
safety-bridges-heading = Si Tor está bloqueado donde usted está
safety-bridges-1 = En algunos países Tor está bloqueado o ralentizado, entre ellos Rusia, Bielorrusia, Irán y China. Un puente le ayuda a conectarse de todos modos.
safety-bridges-2 = En el Navegador Tor, abra Ajustes, luego Conexión, luego Puentes. Elija un puente integrado: pruebe primero obfs4 y después Snowflake.
safety-bridges-3 = Si así no se conecta, pida un puente: escriba a @GetBridgesBot en Telegram, o envíe un correo a bridges@torproject.org desde una dirección de Gmail o Riseup. Añada el puente que reciba en Puentes.
safety-bridges-4 = En algunos lugares, usar Tor ya puede llamar la atención. Si eso es un peligro para usted, conéctese desde un lugar y una red que no estén vinculados a usted.
safety-metadata-heading = Datos ocultos en los archivos
safety-metadata-1 = Los archivos llevan datos que usted no ve: los metadatos. Las fotos y los vídeos pueden contener el lugar, la hora y el dispositivo. Los documentos pueden contener el nombre del autor, la organización y versiones anteriores.
safety-metadata-2 = Los nombres de los archivos llegan a la redacción tal como están. Cambie el nombre de sus archivos antes de enviarlos si dicen demasiado.
safety-metadata-3 = Para quitar los metadatos, use una herramienta hecha para ello, como mat2, que viene con el sistema Tails. Una captura de pantalla no conserva casi nada del archivo original, pero compruebe que no muestre nada más de su pantalla.
safety-metadata-4 = Las páginas impresas pueden llevar diminutos puntos amarillos que identifican la impresora. No imprima ni escanee documentos.
safety-metadata-5 = Si no puede quitar los metadatos, dígalo en su mensaje. Los periodistas revisan cada archivo antes de publicar nada.
safety-logged-heading = Dónde puede quedar registrada la propia copia
safety-logged-1 = El lugar de donde salen los archivos puede registrar quién los abrió, descargó, imprimió o copió, y cuándo. Las redes de trabajo, los sistemas de documentos, el correo, el almacenamiento en la nube y los puertos USB suelen guardar esos registros.
safety-logged-2 = Piense en quién más pudo tener los mismos archivos. Si muy pocas personas los tenían, díganoslo. La redacción lo tendrá en cuenta antes de publicar.
safety-logged-3 = No envíe nada desde un ordenador, un teléfono o una red del trabajo.
safety-knows-heading = Lo que la redacción sabrá y lo que no
safety-knows-yes = La redacción verá lo que usted envíe: los archivos y sus nombres, sus mensajes y el día del envío.
safety-knows-no = La redacción no verá su dirección IP, su nombre, dónde está ni la hora exacta, salvo que usted o sus archivos lo digan.
safety-knows-codename = Su nombre en clave no se guarda en ningún sitio. Guárdelo bien: es la única forma de leer las respuestas.
safety-after-heading = Después de enviar
safety-after-1 = Al terminar, use «Nueva identidad» en el Navegador Tor, y no le cuente a nadie que ha enviado algo.
safety-after-2 = Compórtese como siempre. No busque la noticia desde un ordenador del trabajo.

## Enviar un archivo muy grande

large-title = Enviar un archivo muy grande
large-intro = Por Tor, un archivo grande tarda horas. La conexión se cortará, y eso es normal. Hay dos formas de enviarlo.
large-table-caption = Cuánto tarda el envío, aproximadamente
large-col-size = Tamaño
large-speed = { $n } MB/s
large-col-speed = A { $speed }
large-minutes =
    { $n ->
        [one] 1 minuto
       *[other] { $n } minutos
    }
large-hours =
    { $n ->
        [one] alrededor de 1 hora
       *[other] alrededor de { $n } horas
    }
large-table-note = Tor suele dar entre 1 y 5 MB/s. Estos tiempos son estimaciones.
large-send-heading = La forma más sencilla: postern-send
large-send-intro = postern-send es un programa pequeño. Envía por partes, cada una por un circuito de Tor nuevo. Tras un corte o un reinicio, sigue donde se quedó.
large-send-step-1 = Consiga primero un nombre en clave en este sitio y apúntelo.
large-send-step-2 = Deje el Navegador Tor abierto mientras envía.
large-send-step-3 = Consiga postern-send y la dirección .onion de este sitio como explica la guía de la redacción.
large-send-step-4 = Ejecute este comando, con la dirección del sitio y su archivo. Escriba su nombre en clave cuando se lo pida; no se ve nada mientras escribe.
large-send-step-5 = Si se detiene, ejecute el mismo comando otra vez. Sigue donde se quedó.
large-split-heading = Sin programa: divida el archivo
large-split-text = Con el Navegador Tor en el nivel «La más segura», divida el archivo en partes no mayores que el límite que se muestra al iniciar sesión. Envíe las partes una a una, con el mismo nombre en clave. Así, un corte solo cuesta una parte.
large-rename = El nombre del archivo llega a la redacción. Cámbielo antes si dice demasiado.
